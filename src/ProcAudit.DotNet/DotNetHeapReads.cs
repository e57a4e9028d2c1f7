using System.Diagnostics;

namespace ProcAudit.DotNet;

/// <summary>
/// The part of the .NET view that needs only the pid (see <see cref="DotNetEnricher.Read"/>): the locks and the heap's
/// async flows, read once (<see cref="Second"/> null, <see cref="FirstReadStarted"/> when that read began, a
/// <see cref="Stopwatch"/> timestamp), then again (<see cref="DotNetEnricher.ReadAgain"/>), with what the two reads
/// agree on.
/// </summary>
public sealed record DotNetHeapReads(AsyncFlows First, ManagedLocks Locks, long FirstReadStarted, AsyncFlows? Second = null)
{
    /// <summary>The least time between the starts of the two reads of the heap (see <see cref="DotNetEnricher.DefaultFlowGap"/>).</summary>
    public TimeSpan Gap { get; init; } = DotNetEnricher.DefaultFlowGap;

    /// <summary>The time since the first read of the heap began.</summary>
    public TimeSpan SinceFirstRead => Stopwatch.GetElapsedTime(FirstReadStarted);
}
