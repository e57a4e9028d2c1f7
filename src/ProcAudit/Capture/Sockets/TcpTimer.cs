namespace ProcAudit.Capture.Sockets;

/// <summary>
/// The <c>tr</c> column of /proc/net/tcp: which timer is pending on the socket
/// (get_tcp4_sock in net/ipv4/tcp_ipv4.c, the same for tcp6).
/// </summary>
internal enum TcpTimer : byte
{
    /// <summary>No timer.</summary>
    None = 0,
    /// <summary>Retransmission, reordering or tail-loss probe: data sent and not yet acknowledged.</summary>
    Retransmit = 1,
    /// <summary>The socket's own timer (keepalive, or a listener's SYN-ACK timer).</summary>
    KeepAlive = 2,
    /// <summary>A TIME_WAIT socket's timer.</summary>
    TimeWait = 3,
    /// <summary>
    /// The zero-window probe (persist) timer: the peer advertises a zero receive window while this
    /// side has data to send, i.e. the peer's receive buffer is full because nobody reads it.
    /// </summary>
    ZeroWindowProbe = 4,
}
