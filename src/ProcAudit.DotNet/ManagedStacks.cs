using System.Collections.Immutable;

namespace ProcAudit.DotNet;

/// <summary>Managed stacks of one .NET process, from a short EventPipe sample-profiler session.</summary>
public sealed record ManagedStacks
{
    /// <summary>The process inspected.</summary>
    public required int Pid { get; init; }

    /// <summary>How far the capture got.</summary>
    public required CaptureStatus Status { get; init; }

    /// <summary>
    /// One stack per OS thread that had managed frames during the session (threads that never ran managed code,
    /// such as the runtime's native helpers, do not appear), ordered by thread id.
    /// </summary>
    public ImmutableArray<ManagedThreadStack> Threads { get; init; } = ImmutableArray<ManagedThreadStack>.Empty;

    /// <summary>What could not be captured or resolved, and why, one plain sentence each.</summary>
    public ImmutableArray<string> Notes { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>Wall time the call took, including connecting and parsing.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>The stack of the thread with this OS thread id, if it had managed frames.</summary>
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
