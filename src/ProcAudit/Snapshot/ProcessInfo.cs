using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace ProcAudit;

/// <summary>One process as /proc described it.</summary>
public sealed record ProcessInfo
{
    /// <summary>Process id.</summary>
    public required int Pid { get; init; }

    /// <summary>Parent process id.</summary>
    [JsonPropertyName("ppid")]
    public int PPid { get; init; }

    /// <summary>Real user id, when status was readable.</summary>
    public int? Uid { get; init; }

    /// <summary>The kernel's name for it (comm, at most 15 bytes).</summary>
    public required string Name { get; init; }

    /// <summary>The command line, with secrets redacted; empty for kernel threads and zombies.</summary>
    public ImmutableArray<string> Cmdline { get; init => field = value.OrEmpty(); } = ImmutableArray<string>.Empty;

    /// <summary>The kernel's state letter (R, S, D, Z, T, ...).</summary>
    public required string State { get; init; }

    /// <summary><c>dotnet</c>, <c>go</c>, <c>python</c>, <c>jvm</c> when recognised; otherwise null.</summary>
    public string? Runtime { get; init; }

    /// <summary>True for the audited tree; false for an outside process captured because it holds one of the tree's objects.</summary>
    public bool InTree { get; init; }

    /// <summary>
    /// True when permission kept the fds or the blocked syscalls from us (another user's process,
    /// audited without root): its waits cannot be seen, and a note says what would allow it.
    /// </summary>
    public bool Restricted { get; init; }

    /// <summary>The process tracing it (TracerPid of /proc/PID/status), when one is; a stopped, traced process waits for it.</summary>
    public int? TracerPid { get; init; }

    /// <summary>True for a kernel thread (no user memory, nothing to wait on a pipe).</summary>
    public bool KernelThread { get; init; }

    /// <summary>The runtime's version when a view read it (a Python process's "3.11.7").</summary>
    public string? RuntimeVersion { get; init; }

    /// <summary>Which runtime views were taken (<c>managed-stacks</c>, <c>managed-locks</c>); what could not be taken is in the notes.</summary>
    public ImmutableArray<string> RuntimeViews { get; init => field = value.OrEmpty(); } = ImmutableArray<string>.Empty;

    /// <summary>A Go process's goroutines, when the runtime's memory could be read.</summary>
    public ImmutableArray<GoroutineInfo> Goroutines { get; init => field = value.OrEmpty(); } = ImmutableArray<GoroutineInfo>.Empty;

    /// <summary>The Go channels its goroutines are parked on, with their queues.</summary>
    public ImmutableArray<GoChannelInfo> GoChannels { get; init => field = value.OrEmpty(); } = ImmutableArray<GoChannelInfo>.Empty;

    /// <summary>The sync.Mutex/RWMutex its goroutines wait for, with their state and the evidence for a holder.</summary>
    public ImmutableArray<GoLockInfo> GoLocks { get; init => field = value.OrEmpty(); } = ImmutableArray<GoLockInfo>.Empty;

    /// <summary>A .NET process's pending async flows, when the .NET view could read its heap.</summary>
    public ImmutableArray<AsyncFlowInfo> AsyncFlows { get; init => field = value.OrEmpty(); } = ImmutableArray<AsyncFlowInfo>.Empty;

    /// <summary>How many async flows the .NET view found, when that is more than <see cref="AsyncFlows"/> lists (the listing is bounded); absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? AsyncFlowsFound { get; init; }

    /// <summary>The SemaphoreSlims its async flows wait on, with their waiters and inferred holders.</summary>
    public ImmutableArray<AsyncLockInfo> AsyncLocks { get; init => field = value.OrEmpty(); } = ImmutableArray<AsyncLockInfo>.Empty;

    /// <summary>A .NET process's thread pool (workers, queued work), when the .NET view could read it; absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ThreadPoolInfo? ThreadPool { get; init; }

    /// <summary>Locks of the managed runtime with their owners and waiters, when an enricher could read them.</summary>
    public ImmutableArray<ManagedLock> ManagedLocks { get; init => field = value.OrEmpty(); } = ImmutableArray<ManagedLock>.Empty;

    /// <summary>The threads, main thread first.</summary>
    public ImmutableArray<ThreadInfo> Threads { get; init => field = value.OrEmpty(); } = ImmutableArray<ThreadInfo>.Empty;

    /// <summary>Open file descriptors in ascending order.</summary>
    public ImmutableArray<FdInfo> Fds { get; init => field = value.OrEmpty(); } = ImmutableArray<FdInfo>.Empty;

    /// <summary>The descriptor with this number, if open.</summary>
    public FdInfo? FindFd(int fd)
    {
        foreach (FdInfo f in Fds)
        {
            if (f.Fd == fd)
            {
                return f;
            }
        }
        return null;
    }
}
