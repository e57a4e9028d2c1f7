using System.Collections.Immutable;

namespace ProcAudit.Scanning;

/// <summary>
/// What every slice of one machine snapshot looks up, built once: processes by pid and by parent, and each
/// pipe and socket by inode (through the snapshot's own <see cref="SnapshotIndex{TKey, TValue}"/>). A slice
/// walked the whole machine for these (all 54,000 fds and 16,000 pipes of a 16x scan, and every socket, for
/// each tree), so a scan's analysis grew with the number of trees times the size of the machine.
/// </summary>
internal sealed class MachineIndex(Snapshot machine)
{
    /// <summary>The snapshot indexed.</summary>
    public Snapshot Machine { get; } = machine;

    /// <summary>Every process by pid.</summary>
    public Dictionary<int, ProcessInfo> ByPid { get; } = machine.Processes.ToDictionary(p => p.Pid);

    /// <summary>Every process by its parent's pid.</summary>
    public ILookup<int, ProcessInfo> Children { get; } = machine.Processes.ToLookup(p => p.PPid);

    /// <summary>The machine's pipe with this inode, holders and all, or null.</summary>
    public PipeInfo? Pipe(ulong inode) => SnapshotIndex<ulong, PipeInfo>.Find(Machine.Pipes, inode, static p => p.Inode);

    /// <summary>The machine's socket with this inode, holders and all, or null (the capture names a socket fd's kind by its protocol, so this is how a socket is told).</summary>
    public SocketInfo? Socket(ulong inode) => SnapshotIndex<ulong, SocketInfo>.Find(Machine.Sockets, inode, static s => s.Inode);

    /// <summary>The machine's pipes with one of <paramref name="inodes"/> (each once), in the machine's order: the capture lists them by inode.</summary>
    public ImmutableArray<PipeInfo> Pipes(IEnumerable<ulong> inodes) => inodes.Order().Select(Pipe).OfType<PipeInfo>().ToImmutableArray();

    /// <summary>The machine's sockets with one of <paramref name="inodes"/> (each once), in the machine's order: the capture lists them by inode.</summary>
    public ImmutableArray<SocketInfo> Sockets(IEnumerable<ulong> inodes) => inodes.Order().Select(Socket).OfType<SocketInfo>().ToImmutableArray();
}
