using System.Collections.Immutable;

namespace ProcAudit;

/// <summary>One open file descriptor.</summary>
public sealed record FdInfo
{
    /// <summary>The descriptor number.</summary>
    public required int Fd { get; init; }

    /// <summary>What it refers to; a socket is resolved to its family (<c>tcp</c>, <c>unix</c>, ...) when the socket tables name it.</summary>
    public required FdKind Kind { get; init; }

    /// <summary>The link text of /proc/PID/fd/N (e.g. <c>pipe:[8533]</c>, or a path).</summary>
    public required string Target { get; init; }

    /// <summary>The inode, for pipes, sockets and anonymous inodes (from the link) or files (from fdinfo).</summary>
    public ulong? Inode { get; init; }

    /// <summary><c>read</c>, <c>write</c> or <c>readwrite</c>, from the open flags; null when fdinfo was unreadable.</summary>
    public string? Access { get; init; }

    /// <summary>For an epoll descriptor: the descriptors it watches.</summary>
    public ImmutableArray<int> Watches { get; init => field = value.OrEmpty(); } = ImmutableArray<int>.Empty;
}
