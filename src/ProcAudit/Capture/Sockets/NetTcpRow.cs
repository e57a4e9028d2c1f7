namespace ProcAudit.Capture.Sockets;

/// <summary>One socket of /proc/PID/net/tcp or tcp6.</summary>
/// <param name="Local">The local address and port.</param>
/// <param name="Remote">The remote address and port; the wildcard with port 0 for a listener.</param>
/// <param name="State">The TCP state.</param>
/// <param name="TxQueue">
/// Send-Q, tx_queue (write_seq - snd_una): bytes written by the application and not yet
/// acknowledged by the peer, sent or not. On a LISTEN socket this field is 0 on this kernel
/// (ss gets the backlog limit from inet_diag instead).
/// </param>
/// <param name="RxQueue">
/// Recv-Q, rx_queue: bytes received and not yet read by the application (rcv_nxt - copied_seq).
/// On a LISTEN socket it is the accept backlog: connections completed and not yet accepted.
/// </param>
/// <param name="Timer">The <c>tr</c> column.</param>
/// <param name="Uid">The owner's uid, if the table has the column.</param>
/// <param name="Inode">
/// The socket inode, as in <c>socket:[N]</c> links under /proc/PID/fd. 0 when no file refers to the
/// socket: a connection still in a listener's accept queue, a TIME_WAIT or SYN_RECV entry.
/// </param>
internal sealed record NetTcpRow(
    SocketEndpoint Local,
    SocketEndpoint Remote,
    TcpState State,
    long TxQueue,
    long RxQueue,
    TcpTimer Timer,
    uint? Uid,
    ulong Inode)
{
    /// <summary>The state as ss and netstat spell it: ESTABLISHED, LISTEN, ...</summary>
    public string StateName => TcpStateNames.Name(State);

    /// <summary>tr=4: the peer advertises a zero window, so its receive buffer is full and it does not read.</summary>
    public bool ZeroWindowProbe => Timer == TcpTimer.ZeroWindowProbe;
}
