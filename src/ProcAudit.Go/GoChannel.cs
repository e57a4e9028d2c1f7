using System.Collections.Immutable;

namespace ProcAudit.Go;

/// <summary>A channel (runtime.hchan) a goroutine is parked on.</summary>
/// <param name="Address">The hchan's address in the target.</param>
/// <param name="QueuedCount">Elements in the buffer (qcount).</param>
/// <param name="Capacity">Buffer size (dataqsiz); 0 for an unbuffered channel.</param>
/// <param name="Closed">Whether the channel is closed.</param>
/// <param name="ElementType">The element type's name from its type descriptor, when it could be read.</param>
public sealed record GoChannel(ulong Address, long QueuedCount, long Capacity, bool Closed, string? ElementType)
{
    /// <summary>The ring's send index: with <see cref="RecvIndex"/>, tells a channel that moved between two reads.</summary>
    public long SendIndex { get; init; }

    /// <summary>The ring's receive index.</summary>
    public long RecvIndex { get; init; }

    /// <summary>Goroutines queued to send (its sendq), in queue order.</summary>
    public ImmutableArray<long> SendWaiters { get; init; } = ImmutableArray<long>.Empty;

    /// <summary>Goroutines queued to receive (its recvq), in queue order.</summary>
    public ImmutableArray<long> RecvWaiters { get; init; } = ImmutableArray<long>.Empty;

    /// <summary>Goroutines not queued on it that hold it in a live variable: its other side, most likely.</summary>
    public ImmutableArray<GoReference> References { get; init; } = ImmutableArray<GoReference>.Empty;
}
