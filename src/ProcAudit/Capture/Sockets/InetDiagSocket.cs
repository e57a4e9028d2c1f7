namespace ProcAudit.Capture.Sockets;

/// <summary>One TCP socket as NETLINK_SOCK_DIAG describes it (inet_diag_msg and its attributes).</summary>
/// <param name="Inode">idiag_inode; 0 for TIME_WAIT, SYN_RECV and connections still in an accept queue.</param>
/// <param name="Kind">Tcp or Tcp6, from idiag_family.</param>
/// <param name="State">idiag_state.</param>
/// <param name="Local">The source address and port.</param>
/// <param name="Remote">The destination address and port.</param>
/// <param name="Timer">idiag_timer, the same codes as the <c>tr</c> column of /proc/net/tcp.</param>
/// <param name="RecvQueue">idiag_rqueue: Recv-Q as /proc/net/tcp gives it; for a listener, connections waiting to be accepted.</param>
/// <param name="SendQueue">idiag_wqueue: Send-Q; for a listener, the backlog limit (which /proc/net/tcp does not show).</param>
/// <param name="Uid">idiag_uid.</param>
/// <param name="Memory">INET_DIAG_SKMEMINFO.</param>
/// <param name="Info">INET_DIAG_INFO.</param>
internal sealed record InetDiagSocket(
    ulong Inode,
    SocketKind Kind,
    TcpState State,
    SocketEndpoint Local,
    SocketEndpoint Remote,
    TcpTimer Timer,
    long RecvQueue,
    long SendQueue,
    uint Uid,
    SkMemInfo? Memory,
    TcpInfo? Info);
