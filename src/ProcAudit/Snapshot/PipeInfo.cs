using System.Collections.Immutable;

namespace ProcAudit;

/// <summary>An anonymous pipe, its fill level and everyone on the machine who holds an end of it.</summary>
public sealed record PipeInfo
{
    /// <summary>The link text, <c>pipe:[INODE]</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The pipe's inode number.</summary>
    public required ulong Inode { get; init; }

    /// <summary>Bytes queued (FIONREAD), when it could be measured.</summary>
    public long? QueuedBytes { get; init; }

    /// <summary>Capacity (F_GETPIPE_SZ), when it could be measured.</summary>
    public long? CapacityBytes { get; init; }

    /// <summary>Bytes queued when progress was checked again after the interval; null for a single sample.</summary>
    public long? QueuedBytesLater { get; init; }

    /// <summary>The descriptors that refer to the pipe: on the whole machine when <see cref="HoldersComplete"/>, else in the captured processes.</summary>
    public ImmutableArray<Holder> Holders { get; init => field = value.OrEmpty(); } = ImmutableArray<Holder>.Empty;

    /// <summary>True when every process on the machine was searched for holders (done for every pipe the tree waits on).</summary>
    public bool HoldersComplete { get; init; }
}

/// <summary>A descriptor through which a process holds one end of an object.</summary>
/// <param name="Pid">The holding process.</param>
/// <param name="Fd">The descriptor number, when known (a lock holder found only in /proc/locks has none).</param>
/// <param name="Role"><c>reader</c> or <c>writer</c> for a pipe (from the descriptor's access mode); <c>unknown</c> when it could not be read.</param>
public sealed record Holder(int Pid, int? Fd, string Role);
