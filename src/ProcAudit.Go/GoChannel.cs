namespace ProcAudit.Go;

/// <summary>A channel (runtime.hchan) a goroutine is parked on.</summary>
/// <param name="Address">The hchan's address in the target.</param>
/// <param name="QueuedCount">Elements in the buffer (qcount).</param>
/// <param name="Capacity">Buffer size (dataqsiz); 0 for an unbuffered channel.</param>
/// <param name="Closed">Whether the channel is closed.</param>
/// <param name="ElementType">The element type's name from its type descriptor, when it could be read.</param>
public sealed record GoChannel(ulong Address, long QueuedCount, long Capacity, bool Closed, string? ElementType);
