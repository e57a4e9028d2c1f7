using System.Collections.Immutable;
using ProcAudit.Capture.Sockets;

namespace ProcAudit.Capture.Phases;

/// <summary>
/// The queues, peers and holders of every socket the tree holds or waits on; then each socket fd
/// is given the kind the table knows it as (unix, tcp, ...), which is what the reports show.
/// </summary>
internal static class SocketPhase
{
    public static ImmutableArray<SocketInfo> Run(CaptureContext context, WaitTargets targets)
    {
        if (targets.Sockets is not SocketTable table)
        {
            return ImmutableArray<SocketInfo>.Empty;
        }
        ImmutableArray<SocketInfo> sockets = Describe(table, context.Fds, context.TreeSet, targets.SocketScan);
        // Renamed in place: a scan holds some 50,000 fds, a few thousand of them sockets.
        foreach (List<FdInfo> fds in context.Fds.Values)
        {
            for (int i = 0; i < fds.Count; i++)
            {
                if (fds[i] is { Kind: FdKind.Socket, Inode: ulong ino } f && table.Find(ino) is SocketEntry e)
                {
                    fds[i] = f with { Kind = e.FdKind };
                }
            }
        }
        return sockets;
    }

    private static ImmutableArray<SocketInfo> Describe(SocketTable table, Dictionary<int, List<FdInfo>> fds, HashSet<int> tree, HashSet<ulong> scanned)
    {
        IEnumerable<ulong> held = tree.SelectMany(pid => fds[pid]).Where(f => f.Kind == FdKind.Socket && f.Inode is not null).Select(f => f.Inode!.Value);
        // One pass over every captured fd, not one per socket: a machine-wide scan holds thousands of each.
        ILookup<ulong, Holder> holdersOf = fds.OrderBy(kv => kv.Key)
            .SelectMany(kv => kv.Value.Where(f => f.Kind == FdKind.Socket && f.Inode is not null).Select(f => (Inode: f.Inode!.Value, Holder: new Holder(kv.Key, f.Fd, "owner"))))
            .ToLookup(x => x.Inode, x => x.Holder);
        ImmutableArray<SocketInfo>.Builder result = ImmutableArray.CreateBuilder<SocketInfo>();
        foreach (ulong inode in held.Concat(scanned).Distinct().Order())
        {
            SocketEntry? e = table.Find(inode);
            SocketEntry? peer = e is null ? null : table.FindPeer(e);
            ImmutableArray<Holder> holders = holdersOf[inode].ToImmutableArray();
            bool unixStream = e?.Kind == SocketKind.Unix && e.UnixType == UnixSocketType.Stream;
            result.Add(new SocketInfo
            {
                Id = $"socket:[{inode}]",
                Inode = inode,
                Kind = e?.FdKind ?? FdKind.Socket,
                State = e?.State,
                Listener = e?.IsListener ?? false,
                Local = e?.Local?.ToString(),
                Remote = e?.Remote?.ToString(),
                Path = e?.Path,
                // A unix stream's unsent bytes are the ones its peer has not read; the kernel charges them to the writer as memory.
                SendQueueBytes = unixStream ? peer?.RecvQueue : e?.SendQueue,
                RecvQueueBytes = e?.RecvQueue,
                BacklogLimit = e?.BacklogLimit,
                ZeroWindow = e?.ZeroWindowProbe ?? false,
                Peer = peer is { Inode: > 0 } ? $"socket:[{peer.Inode}]" : null,
                Holders = holders,
                HoldersComplete = scanned.Contains(inode),
            });
        }
        return result.ToImmutable();
    }
}
