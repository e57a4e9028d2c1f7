using System.Collections.Immutable;
using ProcAudit.Capture.Procfs;
using ProcAudit.Capture.Sockets;

namespace ProcAudit.Capture;

/// <summary>The sockets part of a capture: tables, peers, connect targets, descriptions.</summary>
internal sealed partial class ProcessTreeCapture
{
    /// <summary>
    /// The socket tables of the tree's network namespace: /proc/ROOT/net/* (read through the root,
    /// so a tree in its own namespace is read in it) joined with the unix sock_diag dump for peers
    /// and queues, which /proc/net/unix lacks. The dump is only taken live.
    /// </summary>
    private SocketTable ReadSockets(int root)
    {
        UnixDiagDump? unix = _live ? UnixSocketDiag.Dump() : null;
        // TCP's dump replaces /proc/net/tcp{,6} when whole (those cost a walk of the hash tables) and adds a listener's backlog limit.
        InetDiagDump? tcp = _live ? InetSocketDiag.DumpTcp() : null;
        SocketTable table = SocketTable.Read(_procfs, root, unix, tcp);
        _notes.AddRange(table.Notes);
        return table;
    }

    /// <summary>
    /// The listener a thread blocked in connect() is trying to reach, from the sockaddr it passed
    /// (read from its memory): a unix path, or a TCP port on this machine. Live only.
    /// </summary>
    private ulong? ConnectTarget(int pid, SyscallInfo call, SocketTable table)
    {
        if (!_live || call.Name != "connect" || call.Args.Length < 3 || call.Args[2] is < 2 or > 128
            || ProcessMemory.TryRead(pid, call.Args[1], (int)call.Args[2]) is not byte[] addr)
        {
            return null;
        }
        ushort family = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(addr);
        IEnumerable<SocketEntry> listeners = table.ByInode.Values.Where(e => e.IsListener);
        if (family == 1)
        {
            // sockaddr_un: a path, or an abstract name after a NUL (shown with a leading '@').
            string raw = System.Text.Encoding.UTF8.GetString(addr, 2, addr.Length - 2);
            string path = raw.StartsWith('\0') ? "@" + raw[1..].TrimEnd('\0') : raw.Split('\0')[0];
            return listeners.FirstOrDefault(e => e.Kind == SocketKind.Unix && e.Path == path)?.Inode;
        }
        if (family is 2 or 10 && addr.Length >= 4)
        {
            int port = (addr[2] << 8) | addr[3];
            return listeners.FirstOrDefault(e => e.IsTcp && e.Local?.Port == port)?.Inode;
        }
        return null;
    }

    /// <summary>The sockets the tree waits on and, for each, the far end when it is on this machine.</summary>
    private static HashSet<ulong> SocketsToScan(SocketTable table, HashSet<ulong> awaited)
    {
        HashSet<ulong> scan = new(awaited);
        foreach (ulong inode in awaited)
        {
            if (table.Find(inode) is SocketEntry entry && table.FindPeer(entry) is { Inode: > 0 } peer)
            {
                scan.Add(peer.Inode);
            }
        }
        return scan;
    }

    private static ImmutableArray<SocketInfo> DescribeSockets(SocketTable table, Dictionary<int, List<FdInfo>> fds, HashSet<int> tree, HashSet<ulong> scanned)
    {
        IEnumerable<ulong> held = tree.SelectMany(pid => fds[pid]).Where(f => f.Kind == FdKind.Socket && f.Inode is not null).Select(f => f.Inode!.Value);
        ImmutableArray<SocketInfo>.Builder result = ImmutableArray.CreateBuilder<SocketInfo>();
        foreach (ulong inode in held.Concat(scanned).Distinct().Order())
        {
            SocketEntry? e = table.Find(inode);
            SocketEntry? peer = e is null ? null : table.FindPeer(e);
            ImmutableArray<Holder> holders = fds.OrderBy(kv => kv.Key)
                .SelectMany(kv => kv.Value.Where(f => f.Kind == FdKind.Socket && f.Inode == inode).Select(f => new Holder(kv.Key, f.Fd, "owner")))
                .ToImmutableArray();
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
