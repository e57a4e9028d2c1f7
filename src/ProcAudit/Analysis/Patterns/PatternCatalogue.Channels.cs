namespace ProcAudit.Analysis.Patterns;

/// <summary>The Go channel patterns: a send or a receive with nobody on the other side.</summary>
internal static partial class PatternCatalogue
{
    /// <summary>A goroutine blocks sending on a channel that no goroutine can be seen to receive from.</summary>
    public static readonly FindingPattern<ChannelWaitFacts> ChanSendNoReceiver = new(
        "chan-send-no-receiver",
        "a channel send nobody receives",
        f => NobodyOnTheOtherSide(f, send: true),
        _ => "Make sure every send has a receiver (or use a buffered channel sized for every sender, or select with a done channel / context so the sender can give up).");

    /// <summary>A goroutine blocks receiving from a channel that no goroutine can be seen to send to.</summary>
    public static readonly FindingPattern<ChannelWaitFacts> ChanRecvNoSender = new(
        "chan-recv-no-sender",
        "a channel receive nobody sends to",
        f => NobodyOnTheOtherSide(f, send: false),
        _ => "Close the channel when the senders are done (range ends then), or select on a done channel / context so the receiver can give up.");

    private static string NobodyOnTheOtherSide(ChannelWaitFacts f, bool send) =>
        $"In {f.Process}, {f.Goroutine} blocks {(send ? "sending on" : "receiving from")} {f.Channel} ({f.Description}), " +
        $"and no other goroutine is queued on it or holds it in a live variable: nothing in this process can be seen that will ever {(send ? "receive from" : "send to")} it " +
        "(inferred: the channel may still be reachable from the heap, which is not searched).";
}

/// <param name="Process">The Go process.</param>
/// <param name="Goroutine">The blocked goroutine (<see cref="Runtimes.GoWords.Goroutine"/>).</param>
/// <param name="Channel">The channel's id.</param>
/// <param name="Description">Its element type and fill ("chan int, unbuffered").</param>
internal sealed record ChannelWaitFacts(string Process, string Goroutine, string Channel, string Description);
