namespace ProcAudit.Capture.Sockets;

/// <summary>One unix socket as NETLINK_SOCK_DIAG describes it (unix_diag_msg and its attributes).</summary>
/// <param name="Inode">udiag_ino, as in <c>socket:[N]</c> links under /proc/PID/fd.</param>
/// <param name="Type">udiag_type.</param>
/// <param name="State">udiag_state (sk_state): ESTABLISHED (connected), LISTEN, or CLOSE (unconnected).</param>
/// <param name="PeerInode">
/// UNIX_DIAG_PEER: the inode of the other end; null for a listener or an unconnected socket. 0 for
/// a client whose connection is still in the listener's accept queue: the server-side socket has no
/// inode until accept() gives it a file.
/// </param>
/// <param name="RecvQueue">
/// UNIX_DIAG_RQLEN udiag_rqueue. Stream and seqpacket: bytes queued and unread (what SIOCINQ
/// says). Dgram: the size of the first queued datagram only. Listener: connections waiting to be accepted.
/// </param>
/// <param name="SendQueue">
/// UNIX_DIAG_RQLEN udiag_wqueue. Connected or unconnected: send memory still charged to this
/// socket (skb truesize of what it wrote and the peer has not read; what SIOCOUTQ says), more than
/// the bytes. Listener: the backlog limit given to listen().
/// </param>
/// <param name="Memory">UNIX_DIAG_MEMINFO.</param>
/// <param name="Name">
/// UNIX_DIAG_NAME: the bound path, or an abstract name written with a leading '@' (and any NUL
/// inside it as '@') as /proc/net/unix writes it; null when unbound. Only the listener itself has
/// a name here: unlike /proc/net/unix, an accepted socket shows none.
/// </param>
internal sealed record UnixDiagSocket(
    ulong Inode,
    UnixSocketType Type,
    TcpState State,
    ulong? PeerInode,
    long? RecvQueue,
    long? SendQueue,
    SkMemInfo? Memory,
    string? Name);
