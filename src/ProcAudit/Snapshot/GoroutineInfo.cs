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

    /// <summary>The channel it is parked on (<c>chan:PID:0xADDR</c>), for channel sends and receives.</summary>
    public string? WaitsOn { get; init; }

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
