namespace ProcAudit.Capture.Sockets;

/// <summary>One row of /proc/net/tcp, tcp6, udp or udp6, every column the audit reads (they share one layout).</summary>
/// <param name="Slot">The <c>sl</c> column (hash bucket), -1 when absent.</param>
/// <param name="Local">local_address.</param>
/// <param name="Remote">rem_address (remote_address in the IPv6 tables).</param>
/// <param name="State">st.</param>
/// <param name="TxQueue">tx_queue, hex.</param>
/// <param name="RxQueue">rx_queue, hex.</param>
/// <param name="Timer">tr, hex; 0 when the column is absent.</param>
/// <param name="Uid">uid, decimal; null when absent.</param>
/// <param name="Inode">inode, decimal; 0 for a socket no file refers to yet or any more.</param>
/// <param name="Drops">drops (UDP only), decimal; null when absent.</param>
internal sealed record InetRow(
    int Slot,
    SocketEndpoint Local,
    SocketEndpoint Remote,
    TcpState State,
    long TxQueue,
    long RxQueue,
    byte Timer,
    uint? Uid,
    ulong Inode,
    long? Drops);
