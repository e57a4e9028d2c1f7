using System.Collections.Immutable;

namespace ProcAudit;

/// <summary>A Go channel some goroutine of the process is parked on, read from the runtime's hchan.</summary>
public sealed record GoChannelInfo
{
    /// <summary><c>chan:PID:0xADDR</c>, as goroutines' <c>waitsOn</c> and wait edges name it.</summary>
    public required string Id { get; init; }

    /// <summary>The element type, e.g. <c>[]uint8</c>, when its descriptor could be read.</summary>
    public string? ElementType { get; init; }

    /// <summary>Elements buffered (qcount).</summary>
    public long Queued { get; init; }

    /// <summary>Buffer size; 0 for an unbuffered channel.</summary>
    public long Capacity { get; init; }

    /// <summary>Whether it is closed.</summary>
    public bool Closed { get; init; }

    /// <summary>Goroutines queued to send, in queue order (observed).</summary>
    public ImmutableArray<long> SendWaiters { get; init => field = value.OrEmpty(); } = ImmutableArray<long>.Empty;

    /// <summary>Goroutines queued to receive, in queue order (observed).</summary>
    public ImmutableArray<long> RecvWaiters { get; init => field = value.OrEmpty(); } = ImmutableArray<long>.Empty;

    /// <summary>Other goroutines that hold it in a live variable: its other side, most likely (what the analysis infers from).</summary>
    public ImmutableArray<GoReferenceInfo> References { get; init => field = value.OrEmpty(); } = ImmutableArray<GoReferenceInfo>.Empty;
}
