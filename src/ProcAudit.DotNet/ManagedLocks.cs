using System.Collections.Immutable;

namespace ProcAudit.DotNet;

/// <summary>The held locks of one .NET process, their owners and waiters, read from its memory with ClrMD.</summary>
public sealed record ManagedLocks
{
    /// <summary>The process inspected.</summary>
    public required int Pid { get; init; }

    /// <summary>How far the capture got.</summary>
    public required CaptureStatus Status { get; init; }

    /// <summary>Every held lock found, ordered by object address.</summary>
    public ImmutableArray<MonitorLock> Locks { get; init; } = ImmutableArray<MonitorLock>.Empty;

    /// <summary>
    /// The managed stack of every live managed thread as ClrMD unwound it (the same read, no extra cost), ordered by
    /// thread id. A thread that is not stopped in a runtime transition (one running managed code, or a native thread
    /// that once ran some) cannot be unwound without stopping it and has an empty list, like one with no managed frames.
    /// </summary>
    public ImmutableArray<ManagedThreadStack> Threads { get; init; } = ImmutableArray<ManagedThreadStack>.Empty;

    /// <summary>
    /// True when the target's threads were stopped (ptrace) while it was read. Always false today: the capture only
    /// reads memory (process_vm_readv) and never stops, traces or signals the process.
    /// </summary>
    public bool Suspended { get; init; }

    /// <summary>What could not be captured or resolved, and why, one plain sentence each.</summary>
    public ImmutableArray<string> Notes { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>Wall time the call took, including attaching and loading the DAC.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>The managed stack of the thread with this OS thread id, if it is a managed thread.</summary>
    public ManagedThreadStack? FindThread(int osThreadId)
    {
        foreach (ManagedThreadStack thread in Threads)
        {
            if (thread.OsThreadId == osThreadId)
            {
                return thread;
            }
        }

        return null;
    }
}
