using System.Collections.Immutable;

namespace ProcAudit.Kinds;

/// <summary>The snapshot as the kind modules look things up in it: objects by id, and who holds their other ends.</summary>
internal sealed class KindScope
{
    private readonly Dictionary<string, PipeInfo> _pipes;
    private readonly Dictionary<string, SocketInfo> _sockets;

    public KindScope(Snapshot snapshot)
    {
        Snapshot = snapshot;
        _pipes = snapshot.Pipes.ToDictionary(p => p.Id);
        _sockets = snapshot.Sockets.ToDictionary(s => s.Id);
    }

    public Snapshot Snapshot { get; }

    public PipeInfo? Pipe(string id) => _pipes.GetValueOrDefault(id);

    public SocketInfo? Socket(string id) => _sockets.GetValueOrDefault(id);

    /// <summary>The pipe behind a link text, unless its level moved between the samples.</summary>
    public PipeInfo? StuckPipe(string id) =>
        Pipe(id) is PipeInfo pipe && !(pipe.QueuedBytesLater is long later && pipe.QueuedBytes is long before && later != before) ? pipe : null;

    /// <summary>The processes holding the other end of a socket on this machine.</summary>
    public IEnumerable<int> PeerHolders(SocketInfo socket, int except) =>
        socket.Peer is string peer && Socket(peer) is SocketInfo other
            ? other.Holders.Select(h => h.Pid).Where(p => p != except).Distinct()
            : Enumerable.Empty<int>();

    /// <summary>The processes other than <paramref name="except"/> holding an end in <paramref name="role"/>.</summary>
    public static ImmutableArray<int> Holding(ImmutableArray<Holder> holders, string role, int except) =>
        holders.Where(h => h.Role == role && h.Pid != except).Select(h => h.Pid).Distinct().ToImmutableArray();

    /// <summary>Where a socket is, for a sentence: its local address or path, then its id.</summary>
    public string Where(string socketId)
    {
        SocketInfo? s = Socket(socketId);
        string at = s?.Local ?? (s?.Path is { Length: > 0 } p ? p : null) ?? "";
        return at.Length == 0 ? socketId : $"{at} ({socketId})";
    }
}
