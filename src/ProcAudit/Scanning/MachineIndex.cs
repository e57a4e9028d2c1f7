using System.Collections.Immutable;

namespace ProcAudit.Scanning;

/// <summary>
/// What every slice of one machine snapshot looks up, built once: processes by pid and by parent, and
/// each pipe and socket by inode with its place in the machine's lists. A slice walked the whole machine
/// for these (all 54,000 fds, 16,000 pipes and every socket, for each of a 16x scan's trees), so a scan's
/// analysis grew with the number of trees times the size of the machine.
/// </summary>
internal sealed class MachineIndex
{
    private readonly Dictionary<ulong, int> _pipes;
    private readonly Dictionary<ulong, int> _sockets;

    public MachineIndex(Snapshot machine)
    {
        Machine = machine;
        ByPid = machine.Processes.ToDictionary(p => p.Pid);
        Children = machine.Processes.ToLookup(p => p.PPid);
        _pipes = Positions(machine.Pipes, p => p.Inode);
        _sockets = Positions(machine.Sockets, s => s.Inode);
    }

    /// <summary>The snapshot indexed.</summary>
    public Snapshot Machine { get; }

    /// <summary>Every process by pid.</summary>
    public Dictionary<int, ProcessInfo> ByPid { get; }

    /// <summary>Every process by its parent's pid.</summary>
    public ILookup<int, ProcessInfo> Children { get; }

    /// <summary>Whether <paramref name="inode"/> is a socket the machine's tables know (the capture names a socket fd's kind by its protocol).</summary>
    public bool IsSocket(ulong inode) => _sockets.ContainsKey(inode);

    /// <summary>The machine's pipe with this inode, holders and all, or null.</summary>
    public PipeInfo? Pipe(ulong inode) => _pipes.TryGetValue(inode, out int i) ? Machine.Pipes[i] : null;

    /// <summary>The machine's socket with this inode, holders and all, or null.</summary>
    public SocketInfo? Socket(ulong inode) => _sockets.TryGetValue(inode, out int i) ? Machine.Sockets[i] : null;

    /// <summary>The machine's pipes with one of <paramref name="inodes"/> (each once), in the machine's order.</summary>
    public ImmutableArray<PipeInfo> Pipes(IEnumerable<ulong> inodes) => InOrder(inodes, _pipes, Machine.Pipes);

    /// <summary>The machine's sockets with one of <paramref name="inodes"/> (each once), in the machine's order.</summary>
    public ImmutableArray<SocketInfo> Sockets(IEnumerable<ulong> inodes) => InOrder(inodes, _sockets, Machine.Sockets);

    /// <remarks>The capture describes each pipe and socket once; were one listed twice, the first would be found, as a walk finds it.</remarks>
    private static Dictionary<ulong, int> Positions<T>(ImmutableArray<T> items, Func<T, ulong> inodeOf)
    {
        Dictionary<ulong, int> at = new(items.Length);
        for (int i = 0; i < items.Length; i++)
        {
            at.TryAdd(inodeOf(items[i]), i);
        }
        return at;
    }

    private static ImmutableArray<T> InOrder<T>(IEnumerable<ulong> inodes, Dictionary<ulong, int> at, ImmutableArray<T> all)
    {
        List<int> found = new();
        foreach (ulong inode in inodes)
        {
            if (at.TryGetValue(inode, out int i))
            {
                found.Add(i);
            }
        }
        found.Sort();
        ImmutableArray<T>.Builder items = ImmutableArray.CreateBuilder<T>(found.Count);
        foreach (int i in found)
        {
            items.Add(all[i]);
        }
        return items.ToImmutable();
    }
}
