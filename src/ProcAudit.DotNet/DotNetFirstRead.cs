using System.Diagnostics;

namespace ProcAudit.DotNet;

/// <summary>
/// The part of the .NET view that needs only the pid (see <see cref="DotNetEnricher.Read"/>): the first read of the
/// heap's async flows, the locks, and when the heap read began (a <see cref="Stopwatch"/> timestamp), for the pause
/// before the second.
/// </summary>
public sealed record DotNetFirstRead(AsyncFlows Flows, ManagedLocks Locks, long FirstReadStarted)
{
    /// <summary>The time since the first read of the heap began.</summary>
    public TimeSpan SinceFirstRead => Stopwatch.GetElapsedTime(FirstReadStarted);
}
