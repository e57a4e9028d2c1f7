using System.Collections.Immutable;

namespace ProcAudit;

/// <summary>One goroutine of a Go process, as read from the process's memory.</summary>
public sealed record GoroutineInfo
{
    /// <summary>The goroutine id.</summary>
    public required long Id { get; init; }

    /// <summary>idle, runnable, running, syscall, waiting, ...</summary>
    public required string State { get; init; }

    /// <summary>The runtime's wait reason (<c>chan send</c>, <c>semacquire</c>, <c>IO wait</c>, ...).</summary>
    public string? WaitReason { get; init; }

    /// <summary>The runtime's monotonic time (ns) when a GC first saw it blocked; null until one has.</summary>
    public long? WaitingSince { get; init; }

    /// <summary>The stack, innermost first.</summary>
    public ImmutableArray<StackFrame> Frames { get; init => field = value.OrEmpty(); } = ImmutableArray<StackFrame>.Empty;

    /// <summary>
    /// What it is parked on: a channel (<c>chan:PID:0xADDR</c>, see the process's goChannels), a lock
    /// (<c>golock:PID:0xADDR</c>, see goLocks), or for IO waits the fd's object (<c>socket:[N]</c>, <c>pipe:[N]</c>).
    /// </summary>
    public string? WaitsOn { get; init; }

    /// <summary>
    /// <c>chan-send</c>, <c>chan-recv</c>, <c>select</c>, <c>lock</c>, <c>waitgroup</c>, <c>semaphore</c>,
    /// <c>io</c> or <c>nil-chan</c>, when the runtime's structures say what it waits on.
    /// </summary>
    public string? WaitKind { get; init; }

    /// <summary>For a running goroutine or one in a system call: the thread (TID) it is on.</summary>
    public int? ThreadId { get; init; }

    /// <summary>For a lock wait: <c>write</c> (Lock) or <c>read</c> (RLock).</summary>
    public string? LockMode { get; init; }

    /// <summary>For an IO wait: the fd whose poller entry holds it.</summary>
    public int? Fd { get; init; }

    /// <summary>For an IO wait: <c>read</c> or <c>write</c>.</summary>
    public string? FdMode { get; init; }

    /// <summary>For a select: every case's channel.</summary>
    public ImmutableArray<string> SelectCases { get; init => field = value.OrEmpty(); } = ImmutableArray<string>.Empty;

    /// <summary>True when a second read found it elsewhere (woken, or parked again at another point): not stuck.</summary>
    public bool Moved { get; init; }

    /// <summary>Why its stack is missing or partial, when it is.</summary>
    public string? Note { get; init; }

    /// <summary>That channel's fill, e.g. 10 of 10, when known.</summary>
    public long? ChannelQueued { get; init; }

    /// <summary>That channel's capacity.</summary>
    public long? ChannelCapacity { get; init; }
}

/// <summary>A source-level stack frame.</summary>
/// <param name="Function">The function, e.g. <c>main.sender</c>.</param>
/// <param name="File">The source file, when known.</param>
/// <param name="Line">The source line, when known.</param>
public sealed record StackFrame(string Function, string? File, int? Line);
