namespace ProcAudit.Capture.Sockets;

/// <summary>
/// One socket of a network namespace, from whichever table knows it, with the fields the analysis
/// needs to say who waits on it. The queue fields keep each family's own meaning (see each).
/// </summary>
internal sealed record SocketEntry
{
    /// <summary>The socket inode, as in <c>socket:[N]</c>. 0 for a TCP connection no process holds yet (still in a listener's accept queue) or any more (TIME_WAIT).</summary>
    public required ulong Inode { get; init; }

    public required SocketKind Kind { get; init; }

    /// <summary>
    /// TCP and UDP: the kernel state name (ESTABLISHED, LISTEN, CLOSE, TIME_WAIT, ...). Unix: LISTEN,
    /// ESTABLISHED (connected), UNCONNECTED, or CONNECTING/DISCONNECTING when only /proc/net/unix knew it.
    /// </summary>
    public required string State { get; init; }

    /// <summary>listen() was called on it.</summary>
    public bool IsListener { get; init; }

    /// <summary>TCP and UDP: the local address and port.</summary>
    public SocketEndpoint? Local { get; init; }

    /// <summary>TCP and UDP: the remote address and port (the wildcard with port 0 when not connected).</summary>
    public SocketEndpoint? Remote { get; init; }

    /// <summary>Unix: the bound path, or an abstract name with a leading '@'; an accepted socket shows its listener's.</summary>
    public string? Path { get; init; }

    /// <summary>Unix: stream, dgram or seqpacket.</summary>
    public UnixSocketType? UnixType { get; init; }

    /// <summary>
    /// Unread input. TCP: Recv-Q, bytes received and not read; for a listener, connections waiting to be
    /// accepted. UDP: receive memory in use (truesize, not payload). Unix (from sock_diag): stream bytes
    /// unread, a dgram socket's first datagram size, a listener's pending connections.
    /// </summary>
    public long? RecvQueue { get; init; }

    /// <summary>
    /// Output not yet taken by the other side. TCP: Send-Q, bytes written and not acknowledged. UDP:
    /// send memory in use. Unix (from sock_diag): send memory still charged for data the peer has not
    /// read (truesize, more than the bytes: 1000 unread bytes cost 2304 here); a unix stream's unread
    /// bytes are charged to the writer, so the reader's own memory shows none of them. Null for a
    /// listener (see <see cref="BacklogLimit"/>).
    /// </summary>
    public long? SendQueue { get; init; }

    /// <summary>A listener's backlog limit (the listen() argument as the kernel capped it): from sock_diag, unix or TCP; /proc/net/tcp does not show it.</summary>
    public long? BacklogLimit { get; init; }

    /// <summary>TCP, when an <see cref="InetDiagDump"/> was joined: the kernel's tcp_info for the connection.</summary>
    public TcpInfo? TcpInfo { get; init; }

    /// <summary>Unix (from sock_diag): the inode of the other end; 0 while that end waits in a listener's accept queue.</summary>
    public ulong? PeerInode { get; init; }

    /// <summary>TCP: the zero-window probe timer runs (tr=4): the peer's receive buffer is full, it does not read.</summary>
    public bool ZeroWindowProbe { get; init; }

    /// <summary>TCP and UDP: the owner's uid.</summary>
    public uint? Uid { get; init; }

    /// <summary>UDP: datagrams dropped for a full receive buffer.</summary>
    public long? Drops { get; init; }

    /// <summary>Unix, and TCP when an <see cref="InetDiagDump"/> was joined: memory accounting.</summary>
    public SkMemInfo? Memory { get; init; }

    /// <summary>What a descriptor of this socket refers to: tcp, tcp6, udp, udp6 or unix.</summary>
    public FdKind FdKind => Kind switch
    {
        SocketKind.Tcp => FdKind.Tcp,
        SocketKind.Tcp6 => FdKind.Tcp6,
        SocketKind.Udp => FdKind.Udp,
        SocketKind.Udp6 => FdKind.Udp6,
        _ => FdKind.Unix,
    };

    public bool IsTcp => Kind is SocketKind.Tcp or SocketKind.Tcp6;

    public bool IsUdp => Kind is SocketKind.Udp or SocketKind.Udp6;
}
