using System.Collections.Immutable;
using ProcAudit.Capture;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Scanning;

/// <summary>
/// Cuts the snapshot of one tree out of a snapshot of the whole machine: what a capture of that
/// tree alone would have held. The tree under the root, then every outside process that holds a
/// pipe the tree waits on (or watches), or a socket the tree waits on or its peer; the pipes and
/// sockets the tree holds, with their holders among those processes; the file locks they take part
/// in. Pure: no /proc here, so one machine-wide capture serves every tree.
/// </summary>
internal static class SnapshotSlice
{
    public static Snapshot Of(MachineIndex index, int root)
    {
        Snapshot machine = index.Machine;
        Dictionary<int, ProcessInfo> byPid = index.ByPid;
        List<int> tree = new() { root };
        HashSet<int> treeSet = new() { root };
        for (int i = 0; i < tree.Count; i++)
        {
            tree.AddRange(index.Children[tree[i]].Select(c => c.Pid).Order().Where(treeSet.Add));
        }
        Dictionary<int, List<FdInfo>> fds = tree.ToDictionary(pid => pid, pid => byPid[pid].Fds.ToList());
        Dictionary<int, ImmutableArray<ThreadInfo>> threads = tree.ToDictionary(pid => pid, pid => byPid[pid].Threads);
        HashSet<ulong> pipes = AwaitedInodes.Of(tree, fds, threads, FdKind.Pipe);
        // The capture has renamed each socket fd's kind (unix, tcp, ...): a socket is an inode the socket table knows.
        HashSet<ulong> sockets = AwaitedInodes.Of(tree, fds, threads, f => f.Kind != FdKind.Pipe && f.Inode is ulong i && index.Socket(i) is not null);
        foreach (ThreadInfo t in threads.Values.SelectMany(ts => ts).Where(t => t.Syscall?.Target is not null))
        {
            if (FdLink.Classify(t.Syscall!.Target!).Inode is ulong target)
            {
                sockets.Add(target);
            }
        }
        foreach (SocketInfo s in index.Sockets(sockets))
        {
            if (s.Peer is not null && machine.FindSocket(s.Peer) is SocketInfo peer)
            {
                sockets.Add(peer.Inode);
            }
        }
        // Whoever outside holds them: the capture listed every holder of each pipe and socket from every fd it read.
        SortedSet<int> outsiders = new(pipes.SelectMany(inode => index.Pipe(inode)?.Holders ?? ImmutableArray<Holder>.Empty)
            .Concat(sockets.SelectMany(inode => index.Socket(inode)?.Holders ?? ImmutableArray<Holder>.Empty))
            .Select(h => h.Pid)
            .Where(pid => !treeSet.Contains(pid)));
        HashSet<int> included = new(tree.Concat(outsiders));
        HashSet<ulong> treeHolds = tree.SelectMany(pid => fds[pid]).Where(f => f.Inode is not null).Select(f => f.Inode!.Value).ToHashSet();
        return machine with
        {
            Root = root,
            RootExited = false,
            Adopter = null,
            // Records copied only where the slice changes them: a scan's one tree can be the whole machine.
            Processes = tree.Select(pid => InTree(byPid[pid], true)).Concat(outsiders.Select(pid => InTree(byPid[pid], false))).ToImmutableArray(),
            Pipes = index.Pipes(treeHolds)
                .Select(p => Among(p.Holders, included) is var holders && holders == p.Holders && p.HoldersComplete == (p.HoldersComplete && pipes.Contains(p.Inode))
                    ? p
                    : p with { Holders = holders, HoldersComplete = p.HoldersComplete && pipes.Contains(p.Inode) })
                .ToImmutableArray(),
            Sockets = index.Sockets(treeHolds.Concat(sockets).ToHashSet())
                .Select(s => Among(s.Holders, included) is var holders && holders == s.Holders ? s : s with { Holders = holders })
                .ToImmutableArray(),
            FileLocks = machine.FileLocks.GroupBy(l => l.Ordinal).Where(g => g.Any(l => l.Pid is int pid && included.Contains(pid))).SelectMany(g => g).ToImmutableArray(),
            Notes = machine.Notes.Where(n => n.Pid is null || included.Contains(n.Pid.Value)).ToImmutableArray(),
        };
    }

    private static ProcessInfo InTree(ProcessInfo p, bool inTree) => p.InTree == inTree ? p : p with { InTree = inTree };

    /// <summary>The holders among <paramref name="included"/>: the same array when that is all of them.</summary>
    private static ImmutableArray<Holder> Among(ImmutableArray<Holder> holders, HashSet<int> included)
    {
        foreach (Holder h in holders)
        {
            if (!included.Contains(h.Pid))
            {
                return holders.Where(x => included.Contains(x.Pid)).ToImmutableArray();
            }
        }
        return holders;
    }
}
