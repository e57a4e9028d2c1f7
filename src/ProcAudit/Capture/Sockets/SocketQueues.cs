namespace ProcAudit.Capture.Sockets;

/// <summary>What a socket's own queue ioctls say, through one holder's descriptor, or why they could not be asked.</summary>
/// <param name="Outcome">Ok when at least the descriptor could be reached and checked.</param>
/// <param name="Unread">
/// SIOCINQ: TCP and unix stream bytes received and not yet read; for UDP and unix dgram the size of
/// the next datagram only; null for a listener (EINVAL) or on failure.
/// </param>
/// <param name="Unsent">
/// SIOCOUTQ: TCP bytes not yet acknowledged by the peer (sent or not); for a unix socket the send
/// memory still charged (skb truesize of what the peer has not read, more than the payload bytes);
/// null on failure.
/// </param>
/// <param name="Problem">Why a value is missing; null when both are known.</param>
internal sealed record SocketQueues(SocketProbeOutcome Outcome, long? Unread, long? Unsent, string? Problem = null);
