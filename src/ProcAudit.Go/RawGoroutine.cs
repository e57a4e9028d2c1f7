namespace ProcAudit.Go;

/// <summary>A goroutine as first read, with what resolving its wait needs: its stack copy and g.waiting.</summary>
/// <param name="Goroutine">The decoded goroutine.</param>
/// <param name="Stack">Its stack copy and frames (empty when running or unreadable).</param>
/// <param name="Waiting">g.waiting: the sudog list of a channel operation or select.</param>
/// <param name="Torn">It changed while it was read: nothing is concluded from it.</param>
internal sealed record RawGoroutine(Goroutine Goroutine, GoStack Stack, ulong Waiting, bool Torn)
{
    /// <summary>For a channel send or receive: the hchan address, from its sudog.</summary>
    public ulong? Channel { get; init; }
}
