using System.Collections.Immutable;

namespace ProcAudit.DotNet;

/// <summary>The pending async flows of one .NET process, read from its heap with ClrMD without suspending it.</summary>
public sealed record AsyncFlows
{
    /// <summary>The process inspected.</summary>
    public required int Pid { get; init; }

    /// <summary>How far the capture got. A heap that could not be walked is <see cref="CaptureStatus.Unavailable"/> with a note and no flows.</summary>
    public required CaptureStatus Status { get; init; }

    /// <summary>Every flow, ordered by <see cref="AsyncFlow.Id"/>; at most <see cref="AsyncFlowCapture.MaxFlowsListed"/> (see <see cref="TotalFlows"/>).</summary>
    public ImmutableArray<AsyncFlow> Flows { get; init; } = ImmutableArray<AsyncFlow>.Empty;

    /// <summary>How many flows were found, including any left out of <see cref="Flows"/>.</summary>
    public int TotalFlows { get; init; }

    /// <summary>All flows folded by shape, most common first: complete even when <see cref="Flows"/> was capped.</summary>
    public ImmutableArray<AsyncFlowShape> Shapes { get; init; } = ImmutableArray<AsyncFlowShape>.Empty;

    /// <summary>Semaphores some listed flow waits on, ordered by address.</summary>
    public ImmutableArray<AsyncSemaphore> Semaphores { get; init; } = ImmutableArray<AsyncSemaphore>.Empty;

    /// <summary>Bounded channels some listed flow is blocked on, ordered by address.</summary>
    public ImmutableArray<AsyncChannel> Channels { get; init; } = ImmutableArray<AsyncChannel>.Empty;

    /// <summary>SynchronizationContexts of a derived type that threads have installed, with their owners and the flows posted to them.</summary>
    public ImmutableArray<AsyncSyncContext> SyncContexts { get; init; } = ImmutableArray<AsyncSyncContext>.Empty;

    /// <summary>The thread pool's threads and queue; null when it could not be read.</summary>
    public AsyncThreadPool? ThreadPool { get; init; }

    /// <summary>Incomplete tasks seen in the heap (boxes, promises, combinators), a measure of the read's size.</summary>
    public int PendingTasks { get; init; }

    /// <summary>Always false: the capture only reads memory (process_vm_readv), never stops, traces or signals the process.</summary>
    public bool Suspended { get; init; }

    /// <summary>What could not be read or resolved, and why, one plain sentence each.</summary>
    public ImmutableArray<string> Notes { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>Wall time of the call, attaching and (for two reads) the gap included.</summary>
    public TimeSpan Elapsed { get; init; }
}
