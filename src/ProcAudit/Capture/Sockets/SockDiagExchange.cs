namespace ProcAudit.Capture.Sockets;

/// <summary>How a sock_diag request and its replies went, apart from what the parser made of them.</summary>
/// <param name="FailedAs">Set when the exchange itself failed (socket, send, poll, recv, time limit); the parser's result then does not count.</param>
/// <param name="Problem">One sentence on the failure or the byte limit.</param>
/// <param name="ByteLimitHit">The dump was cut at the byte limit.</param>
/// <param name="NetNamespace">The namespace asked about, as its link reads; null if unknown.</param>
internal sealed record SockDiagExchange(SocketProbeOutcome? FailedAs, string? Problem, bool ByteLimitHit, string? NetNamespace);
