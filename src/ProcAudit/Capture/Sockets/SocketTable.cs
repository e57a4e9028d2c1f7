using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Capture.Sockets;

/// <summary>
/// Every socket of one process's network namespace, by inode: /proc/PID/net/{tcp,tcp6,udp,udp6,unix}
/// read through a <see cref="ProcfsReader"/> (so a fixture tree works as well as /proc), joined
/// with a <see cref="UnixDiagDump"/> for unix peers and queues. TCP comes from an <see cref="InetDiagDump"/>
/// when a whole one is given, else from net/tcp{,6} with the dump's details joined where it has them. Finds the other end
/// of a connection whose both ends live in the namespace. Immutable once read.
/// </summary>
internal sealed class SocketTable
{
    /// <summary>Socket tables grow with the machine (about 150 bytes a row); this allows some 200,000 sockets.</summary>
    private const int TableLimit = 32 << 20;
    private const int MaxNotesPerFile = 5;

    private readonly Dictionary<(SocketEndpoint Local, SocketEndpoint Remote), SocketEntry> _tcpByEnds;
    private readonly Dictionary<SocketEndpoint, SocketEntry> _udpByLocal;

    private SocketTable(int pid, ImmutableDictionary<ulong, SocketEntry> byInode, ImmutableArray<SocketEntry> unheld, ImmutableArray<Note> notes)
    {
        Pid = pid;
        ByInode = byInode;
        Unheld = unheld;
        Notes = notes;
        _tcpByEnds = new Dictionary<(SocketEndpoint, SocketEndpoint), SocketEntry>();
        foreach (SocketEntry entry in byInode.Values.Concat(unheld))
        {
            if (!entry.IsTcp || entry.IsListener || entry.Local is null || entry.Remote is null || entry.Remote.IsUnspecified)
            {
                continue;
            }
            (SocketEndpoint, SocketEndpoint) key = (entry.Local.Normalized, entry.Remote.Normalized);
            // A TIME_WAIT leftover can share the 4-tuple of a live connection: the held socket wins.
            if (!_tcpByEnds.TryGetValue(key, out SocketEntry? seen) || (seen.Inode == 0 && entry.Inode != 0))
            {
                _tcpByEnds[key] = entry;
            }
        }
        _udpByLocal = new Dictionary<SocketEndpoint, SocketEntry>();
        foreach (SocketEntry entry in byInode.Values)
        {
            if (entry.IsUdp && entry.Local is not null)
            {
                _udpByLocal.TryAdd(entry.Local.Normalized, entry);
            }
        }
    }

    /// <summary>The process whose namespace this is.</summary>
    public int Pid { get; }

    /// <summary>Every socket a file refers to, by inode.</summary>
    public ImmutableDictionary<ulong, SocketEntry> ByInode { get; }

    /// <summary>TCP sockets with inode 0: connections waiting in an accept queue, TIME_WAIT and SYN_RECV entries.</summary>
    public ImmutableArray<SocketEntry> Unheld { get; }

    /// <summary>What could not be read, one note per problem (at most a few per file).</summary>
    public ImmutableArray<Note> Notes { get; }

    /// <summary>Reads the socket tables of <paramref name="pid"/>'s network namespace.</summary>
    /// <param name="procfs">/proc, or a fixture root.</param>
    /// <param name="pid">Any process of the namespace; its /proc/PID/net is read.</param>
    /// <param name="unixDiag">
    /// A dump from <see cref="UnixSocketDiag.Dump"/> for unix peers and queues. It covers the namespace
    /// of the thread that took it; when /proc/PID/ns/net shows another, it is not used and a note says so.
    /// </param>
    /// <param name="tcpDiag">
    /// A dump from <see cref="InetSocketDiag.DumpTcp"/>: the TCP sockets themselves when it is whole,
    /// else tcp_info and listener backlog limits joined to net/tcp{,6}; the same namespace rule.
    /// </param>
    public static SocketTable Read(ProcfsReader procfs, int pid, UnixDiagDump? unixDiag = null, InetDiagDump? tcpDiag = null)
    {
        List<Note> notes = new();
        Dictionary<ulong, SocketEntry> byInode = new();
        List<SocketEntry> unheld = new();

        InetDiagDump? tcp = UsableTcpDump(procfs, pid, tcpDiag, notes);
        bool tcpFromDiag = tcp is { Outcome: SocketProbeOutcome.Ok, Truncated: false, Problem: null };
        if (tcpFromDiag)
        {
            // A whole dump says all that /proc/PID/net/tcp{,6} would, which the kernel makes by walking
            // every bucket of the TCP hash tables (tens of ms on a machine with much memory, even when empty).
            foreach (InetDiagSocket socket in tcp!.Sockets.Values)
            {
                byInode[socket.Inode] = FromTcpDiag(socket);
            }
            unheld.AddRange(tcp!.Unheld.Select(FromTcpDiag));
        }
        foreach ((string file, SocketKind kind) in tcpFromDiag ? Array.Empty<(string, SocketKind)>() : new[] { ("tcp", SocketKind.Tcp), ("tcp6", SocketKind.Tcp6) })
        {
            if (ReadTable(procfs, pid, file, notes) is not string text)
            {
                continue;
            }
            NetFileRows<NetTcpRow> rows = NetTcpFile.Parse(text);
            AddSkipped(notes, pid, file, rows.Skipped);
            foreach (NetTcpRow row in rows.Rows)
            {
                SocketEntry entry = FromTcp(row, kind, row.Inode == 0 ? null : tcp?.Sockets.GetValueOrDefault(row.Inode));
                if (row.Inode == 0)
                {
                    unheld.Add(entry);
                }
                else
                {
                    byInode[row.Inode] = entry;
                }
            }
        }
        foreach ((string file, SocketKind kind) in new[] { ("udp", SocketKind.Udp), ("udp6", SocketKind.Udp6) })
        {
            if (ReadTable(procfs, pid, file, notes) is not string text)
            {
                continue;
            }
            NetFileRows<NetUdpRow> rows = NetUdpFile.Parse(text);
            AddSkipped(notes, pid, file, rows.Skipped);
            foreach (NetUdpRow row in rows.Rows.Where(r => r.Inode != 0))
            {
                byInode[row.Inode] = FromUdp(row, kind);
            }
        }

        UnixDiagDump? diag = UsableDump(procfs, pid, unixDiag, notes);
        if (ReadTable(procfs, pid, "unix", notes) is string unixText)
        {
            NetFileRows<NetUnixRow> rows = NetUnixFile.Parse(unixText);
            AddSkipped(notes, pid, "unix", rows.Skipped);
            if (rows.Rows.Length > 0 && rows.Rows[0].Inode is null)
            {
                notes.Add(new Note("unsupported", "net/unix has no Inode column on this kernel: unix sockets cannot be matched to descriptors", pid, $"{pid}/net/unix"));
            }
            foreach (NetUnixRow row in rows.Rows)
            {
                if (row.Inode is ulong inode && inode != 0)
                {
                    byInode[inode] = FromUnix(row, inode, diag?.Sockets.GetValueOrDefault(inode));
                }
            }
        }
        if (diag is not null)
        {
            // A socket made between the two reads is known to the dump alone.
            foreach (UnixDiagSocket socket in diag.Sockets.Values.Where(s => s.Inode != 0 && !byInode.ContainsKey(s.Inode)))
            {
                byInode[socket.Inode] = FromUnix(null, socket.Inode, socket);
            }
        }
        return new SocketTable(pid, byInode.ToImmutableDictionary(), unheld.ToImmutableArray(), notes.ToImmutableArray());
    }

    /// <summary>The socket with this inode, or null.</summary>
    public SocketEntry? Find(ulong inode) => inode != 0 && ByInode.TryGetValue(inode, out SocketEntry? entry) ? entry : null;

    /// <summary>
    /// The other end of <paramref name="entry"/> inside this namespace. Unix: the socket its peer
    /// inode names. TCP: see <see cref="FindLoopbackPeer"/>. UDP: the socket bound to the address it
    /// is connected to. Null when the other end is elsewhere or unknown.
    /// </summary>
    public SocketEntry? FindPeer(SocketEntry entry)
    {
        if (entry.Kind == SocketKind.Unix)
        {
            return entry.PeerInode is ulong peer ? Find(peer) : null;
        }
        return FindLoopbackPeer(entry);
    }

    /// <summary>
    /// For a connected TCP socket, the socket at the other end when both ends are in this namespace
    /// (loopback, or any local address): the one whose local and remote endpoints are this one's
    /// swapped, an IPv4 endpoint matching its IPv4-mapped form (<c>::ffff:a.b.c.d</c>) in tcp6. The
    /// result has inode 0 when that end is still in its listener's accept queue. For a connected UDP
    /// socket, the socket bound to its remote endpoint (exactly, or on the wildcard address).
    /// Null for listeners, unconnected sockets, and peers outside the namespace.
    /// </summary>
    public SocketEntry? FindLoopbackPeer(SocketEntry entry)
    {
        if (entry.Local is null || entry.Remote is null || entry.IsListener || entry.Remote.IsUnspecified)
        {
            return null;
        }
        if (entry.IsTcp)
        {
            return _tcpByEnds.TryGetValue((entry.Remote.Normalized, entry.Local.Normalized), out SocketEntry? peer) && !ReferenceEquals(peer, entry)
                ? peer
                : null;
        }
        if (entry.IsUdp)
        {
            SocketEndpoint target = entry.Remote.Normalized;
            if (_udpByLocal.TryGetValue(target, out SocketEntry? bound)
                || _udpByLocal.TryGetValue(target with { Address = IPAddress.Any }, out bound)
                || _udpByLocal.TryGetValue(target with { Address = IPAddress.IPv6Any }, out bound))
            {
                return ReferenceEquals(bound, entry) ? null : bound;
            }
        }
        return null;
    }

    private static SocketEntry FromTcp(NetTcpRow row, SocketKind kind, InetDiagSocket? diag) =>
        Tcp(row.Inode, kind, row.State, row.Local, row.Remote, row.RxQueue, row.TxQueue, row.Timer, row.Uid, diag);

    /// <summary>inet_diag gives the same queues and timer codes as /proc/net/tcp (and a listener's wqueue is its backlog limit).</summary>
    private static SocketEntry FromTcpDiag(InetDiagSocket s) =>
        Tcp(s.Inode, s.Kind, s.State, s.Local, s.Remote, s.RecvQueue, s.SendQueue, s.Timer, s.Uid, s);

    private static SocketEntry Tcp(ulong inode, SocketKind kind, TcpState state, SocketEndpoint local, SocketEndpoint remote, long recv, long send, TcpTimer timer, uint? uid, InetDiagSocket? diag)
    {
        bool listener = state == TcpState.Listen;
        return new SocketEntry
        {
            Inode = inode,
            Kind = kind,
            State = TcpStateNames.Name(state),
            IsListener = listener,
            Local = local,
            Remote = remote,
            RecvQueue = recv,
            // A listener's tx_queue is write_seq - snd_una of a socket that sends nothing: always 0.
            SendQueue = listener ? null : send,
            BacklogLimit = listener ? diag?.SendQueue : null,
            ZeroWindowProbe = timer == TcpTimer.ZeroWindowProbe,
            Uid = uid,
            Memory = diag?.Memory,
            TcpInfo = diag?.Info,
        };
    }

    private static SocketEntry FromUdp(NetUdpRow row, SocketKind kind) => new()
    {
        Inode = row.Inode,
        Kind = kind,
        State = row.StateName,
        Local = row.Local,
        Remote = row.Remote,
        RecvQueue = row.RxQueue,
        SendQueue = row.TxQueue,
        Uid = row.Uid,
        Drops = row.Drops,
    };

    private static SocketEntry FromUnix(NetUnixRow? row, ulong inode, UnixDiagSocket? diag)
    {
        string state = diag is not null
            ? diag.State switch
            {
                TcpState.Listen => "LISTEN",
                TcpState.Established => "ESTABLISHED",
                TcpState.Close => "UNCONNECTED",
                _ => TcpStateNames.Name(diag.State),
            }
            : row!.IsListening ? "LISTEN" : row.SocketState switch
            {
                3 => "ESTABLISHED",
                1 => "UNCONNECTED",
                _ => row.StateName,
            };
        bool listener = diag?.State == TcpState.Listen || (row?.IsListening ?? false);
        return new SocketEntry
        {
            Inode = inode,
            Kind = SocketKind.Unix,
            State = state,
            IsListener = listener,
            Path = row?.Path ?? diag?.Name,
            UnixType = diag?.Type ?? row?.Type,
            RecvQueue = diag?.RecvQueue,
            // A listener's wqueue is its backlog limit, not data.
            SendQueue = listener ? null : diag?.SendQueue,
            BacklogLimit = listener ? diag?.SendQueue : null,
            PeerInode = diag?.PeerInode,
            Memory = diag?.Memory,
        };
    }

    /// <summary>The unix dump if it describes PID's namespace and holds anything; otherwise null, with a note on why.</summary>
    private static UnixDiagDump? UsableDump(ProcfsReader procfs, int pid, UnixDiagDump? dump, List<Note> notes) =>
        dump is not null && Usable(procfs, pid, dump.Outcome, dump.Problem, dump.NetNamespace, dump.Sockets.IsEmpty, "unix socket peers and queues", notes)
            ? dump
            : null;

    /// <summary>The TCP dump, on the same terms.</summary>
    private static InetDiagDump? UsableTcpDump(ProcfsReader procfs, int pid, InetDiagDump? dump, List<Note> notes) =>
        dump is not null && Usable(procfs, pid, dump.Outcome, dump.Problem, dump.NetNamespace, dump.Sockets.IsEmpty, "TCP details (tcp_info, backlog limits)", notes)
            ? dump
            : null;

    private static bool Usable(ProcfsReader procfs, int pid, SocketProbeOutcome outcome, string? problem, string? netNamespace, bool empty, string what, List<Note> notes)
    {
        if (netNamespace is not null)
        {
            ProcText link = procfs.ReadLink($"{pid}/ns/net");
            if (link.Ok && link.Text != netNamespace)
            {
                notes.Add(new Note("unsupported",
                    $"{pid} is in network namespace {link.Text}, not in {netNamespace} where ProcAudit runs: its {what} are unknown",
                    pid, $"{pid}/ns/net"));
                return false;
            }
        }
        if (outcome != SocketProbeOutcome.Ok)
        {
            string kind = outcome switch
            {
                SocketProbeOutcome.Unsupported => "unsupported",
                SocketProbeOutcome.Denied => "denied",
                SocketProbeOutcome.TimedOut => "timeout",
                SocketProbeOutcome.Gone => "gone",
                _ => "unreadable",
            };
            notes.Add(new Note(kind, $"{what} unknown: " + (problem ?? outcome.ToString()), pid));
            return !empty;
        }
        if (problem is not null)
        {
            notes.Add(new Note("unreadable", $"{what} incomplete: " + problem, pid));
        }
        return true;
    }

    private static string? ReadTable(ProcfsReader procfs, int pid, string file, List<Note> notes)
    {
        string relative = $"{pid}/net/{file}";
        ProcText read = procfs.ReadText(relative, TableLimit);
        if (read.Ok)
        {
            if (read.Text!.Length >= TableLimit)
            {
                notes.Add(new Note("unreadable", $"net/{file} is larger than {TableLimit >> 20} MiB; sockets past that are left out", pid, relative));
            }
            return read.Text;
        }
        switch (read.Outcome)
        {
            case ReadOutcome.Gone when procfs.Exists(pid.ToString(CultureInfo.InvariantCulture)):
                // The process is there but the table is not: the protocol is not built in (IPv6 off, say).
                notes.Add(new Note("unsupported", $"there is no net/{file} on this system", pid, relative));
                break;
            case ReadOutcome.Gone:
                if (!notes.Any(n => n.Kind == "gone"))
                {
                    notes.Add(new Note("gone", $"{pid} exited before its socket tables were read", pid, relative));
                }
                break;
            case ReadOutcome.Denied:
                notes.Add(new Note("denied", $"no permission to read net/{file} of {pid}", pid, relative));
                break;
            default:
                notes.Add(new Note("unreadable", $"net/{file} of {pid} could not be read: {read.Error}", pid, relative));
                break;
        }
        return null;
    }

    private static void AddSkipped(List<Note> notes, int pid, string file, ImmutableArray<SkippedRow> skipped)
    {
        foreach (SkippedRow row in skipped.Take(MaxNotesPerFile))
        {
            notes.Add(new Note("unreadable", $"net/{file} line {row.LineNumber} skipped: {row.Reason}: \"{row.Text.Trim()}\"", pid, $"{pid}/net/{file}"));
        }
        if (skipped.Length > MaxNotesPerFile)
        {
            notes.Add(new Note("unreadable", $"net/{file}: {skipped.Length - MaxNotesPerFile} more lines skipped", pid, $"{pid}/net/{file}"));
        }
    }
}
