namespace ProcAudit;

/// <summary>A file lock held or waited for, from /proc/locks (with OFD holders found through fdinfo).</summary>
public sealed record FileLockInfo
{
    /// <summary>
    /// The lock object: <c>flock:DEV:INODE</c> for a whole-file flock; <c>posix:DEV:INODE:START-END</c>
    /// or <c>ofd:DEV:INODE:START-END</c> for a byte range (END is <c>EOF</c> for an open range).
    /// </summary>
    public required string Id { get; init; }

    /// <summary>The /proc/locks ordinal of the held lock this line belongs to (a waiter shares its blocker's).</summary>
    public required int Ordinal { get; init; }

    /// <summary>0 for the held lock; 1 for a request waiting on it; 2 for one waiting behind that waiter, ...</summary>
    public required int Depth { get; init; }

    /// <summary><c>FLOCK</c>, <c>POSIX</c>, <c>OFDLCK</c>, ...</summary>
    public required string Class { get; init; }

    /// <summary><c>READ</c> or <c>WRITE</c>.</summary>
    public required string Access { get; init; }

    /// <summary>The holding (or waiting) process; for an OFD lock the process found holding the open file, when captured.</summary>
    public int? Pid { get; init; }

    /// <summary>The descriptor through which <see cref="Pid"/> holds the locked file, when known.</summary>
    public int? Fd { get; init; }

    /// <summary>The locked file's path, when a captured process has it open.</summary>
    public string? Path { get; init; }

    /// <summary>First byte covered.</summary>
    public ulong Start { get; init; }

    /// <summary>Last byte covered; null for EOF.</summary>
    public ulong? End { get; init; }
}
