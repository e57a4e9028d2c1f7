namespace ProcAudit.Capture.Sockets;

/// <summary>One socket of /proc/PID/net/udp or udp6.</summary>
/// <param name="Local">The local address and port.</param>
/// <param name="Remote">The connected peer, or the wildcard with port 0 when not connected.</param>
/// <param name="State">ESTABLISHED when connected, CLOSE otherwise.</param>
/// <param name="TxQueue">
/// tx_queue: sk_wmem_alloc, the memory (skb truesize, not payload bytes) of datagrams sent and
/// not yet freed; almost always 0 on loopback.
/// </param>
/// <param name="RxQueue">
/// rx_queue: sk_rmem_alloc, the memory of the datagrams waiting to be read, counted in skb
/// truesize rather than payload bytes (measured here: a 100-byte datagram costs 832, a 300-byte
/// IPv6 one 1280). Compare it with the receive buffer, not with what was sent.
/// </param>
/// <param name="Uid">The owner's uid, if the table has the column.</param>
/// <param name="Inode">The socket inode.</param>
/// <param name="Drops">Datagrams dropped because the receive buffer was full (null if the column is absent).</param>
internal sealed record NetUdpRow(
    SocketEndpoint Local,
    SocketEndpoint Remote,
    TcpState State,
    long TxQueue,
    long RxQueue,
    uint? Uid,
    ulong Inode,
    long? Drops)
{
    /// <summary>ESTABLISHED (connected) or CLOSE (not connected), as ss spells the state numbers.</summary>
    public string StateName => TcpStateNames.Name(State);
}
