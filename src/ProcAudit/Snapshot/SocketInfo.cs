using System.Collections.Immutable;

namespace ProcAudit;

/// <summary>A socket the tree holds (or the peer of one it waits on): its queues, its peer and its holders.</summary>
public sealed record SocketInfo
{
    /// <summary>The link text, <c>socket:[INODE]</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The socket's inode.</summary>
    public required ulong Inode { get; init; }

    /// <summary><see cref="FdKind.Tcp"/>, <see cref="FdKind.Tcp6"/>, <see cref="FdKind.Udp"/>, <see cref="FdKind.Udp6"/> or <see cref="FdKind.Unix"/>; <see cref="FdKind.Socket"/> when the socket tables did not list it.</summary>
    public required FdKind Kind { get; init; }

    /// <summary>The kernel's state name (ESTABLISHED, LISTEN, ...).</summary>
    public string? State { get; init; }

    /// <summary>True for a listening socket.</summary>
    public bool Listener { get; init; }

    /// <summary>TCP/UDP: the local address and port.</summary>
    public string? Local { get; init; }

    /// <summary>TCP/UDP: the remote address and port.</summary>
    public string? Remote { get; init; }

    /// <summary>Unix: the bound path or abstract name.</summary>
    public string? Path { get; init; }

    /// <summary>
    /// Bytes written and not yet taken by the other side. TCP: Send-Q. Unix stream: what the peer
    /// has not read (its Recv-Q), since the kernel charges those bytes to the writer.
    /// </summary>
    public long? SendQueueBytes { get; init; }

    /// <summary>Bytes received and not read (TCP Recv-Q; unix stream unread bytes). For a listener: connections waiting to be accepted.</summary>
    public long? RecvQueueBytes { get; init; }

    /// <summary>A listener's backlog limit, when the kernel says.</summary>
    public long? BacklogLimit { get; init; }

    /// <summary>TCP: the zero-window probe timer runs: the peer's receive buffer is full, it does not read.</summary>
    public bool ZeroWindow { get; init; }

    /// <summary>The other end, when it is on this machine (<c>socket:[M]</c>).</summary>
    public string? Peer { get; init; }

    /// <summary>Every descriptor that refers to this socket (machine-wide when <see cref="HoldersComplete"/>).</summary>
    public ImmutableArray<Holder> Holders { get; init => field = value.OrEmpty(); } = ImmutableArray<Holder>.Empty;

    /// <summary>True when every process on the machine was searched for holders.</summary>
    public bool HoldersComplete { get; init; }
}
