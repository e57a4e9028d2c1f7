using System.Collections.Immutable;
using System.Globalization;
using ProcAudit.Analysis;
using ProcAudit.Reporting;

namespace ProcAudit.Kinds;

/// <summary>
/// Sockets: a receiver waits for whoever holds the peer while nothing is queued, a sender while the
/// buffers are full, a connect for the listener's holder while its backlog is full.
/// </summary>
internal sealed class SocketModule : ObjectKindModule, IDescriptorKind
{
    public IReadOnlyList<FdKind> FdKinds { get; } = new[] { FdKind.Socket, FdKind.Tcp, FdKind.Tcp6, FdKind.Udp, FdKind.Udp6, FdKind.Unix };

    public bool ListedWithProcess => true;

    public override IReadOnlyList<ObjectKind> ObjectKinds { get; } = new[] { ObjectKind.Socket, ObjectKind.Tcp, ObjectKind.Tcp6, ObjectKind.Udp, ObjectKind.Udp6, ObjectKind.Unix };

    public override string Section => "Sockets";

    public IEnumerable<WaitEdge> Observed(KindScope scope, ProcessInfo process, ThreadInfo thread, SyscallInfo call)
    {
        WaitEnd from = new(process.Pid, thread.Tid);
        switch (call.Shape)
        {
            case SyscallShape.FdRead when call.Object is string obj && scope.Socket(obj) is SocketInfo socket && !socket.Listener:
                foreach (int peer in scope.PeerHolders(socket, except: process.Pid))
                {
                    yield return new WaitEdge(from, new WaitEnd(peer), obj, WaitReasons.RecvEmptySocket, Certainty.Observed,
                        $"thread {thread.Tid} is blocked in {call.Name}({call.Fd}) on {obj}, which has nothing to read; its peer {socket.Peer} is held by {peer}", call.Fd);
                }
                break;
            case SyscallShape.FdWrite when call.Object is string obj && scope.Socket(obj) is SocketInfo socket:
                foreach (int peer in scope.PeerHolders(socket, except: process.Pid))
                {
                    yield return new WaitEdge(from, new WaitEnd(peer), obj, WaitReasons.SendFullSocket, Certainty.Observed,
                        $"thread {thread.Tid} is blocked in {call.Name}({call.Fd}) on {obj}, whose buffers are full (Send-Q {socket.SendQueueBytes?.ToString("N0", CultureInfo.InvariantCulture) ?? "?"} bytes); its peer {socket.Peer} is held by {peer}", call.Fd);
                }
                break;
            case SyscallShape.FdOther when call.Name == "connect" && call.Target is string target && scope.Socket(target) is SocketInfo listener:
                foreach (int holder in listener.Holders.Select(h => h.Pid).Where(p => p != process.Pid).Distinct())
                {
                    yield return new WaitEdge(from, new WaitEnd(holder), target, WaitReasons.ConnectBacklogFull, Certainty.Observed,
                        $"thread {thread.Tid} is blocked in connect({call.Fd}) to {listener.Local ?? listener.Path ?? target}, whose listener {target} has {listener.RecvQueueBytes?.ToString(CultureInfo.InvariantCulture) ?? "?"} connections waiting to be accepted (backlog {listener.BacklogLimit?.ToString(CultureInfo.InvariantCulture) ?? "?"})", call.Fd);
                }
                break;
        }
    }

    public OwnWait OnDescriptor(KindScope scope, ProcessInfo process, FdInfo fd, string call, bool write, string wchan) => OnSocket(scope, process, fd.Target, write);

    public OwnWait Watched(KindScope scope, ProcessInfo process, FdInfo fd) => OnSocket(scope, process, fd.Target, write: false);

    private static OwnWait OnSocket(KindScope scope, ProcessInfo process, string id, bool write)
    {
        SocketInfo? socket = scope.Socket(id);
        if (socket is null)
        {
            return OwnWait.End(WaitEndKind.Outside, $"waits on {id} (a socket of a kind ProcAudit does not read, e.g. netlink)");
        }
        if (socket.Listener)
        {
            return OwnWait.End(WaitEndKind.Outside, $"waits for a connection on {scope.Where(id)}");
        }
        if (socket.Peer is string peerId && scope.Socket(peerId) is SocketInfo peer)
        {
            ImmutableArray<int> others = peer.Holders.Select(h => h.Pid).Where(p => p != process.Pid).Distinct().ToImmutableArray();
            return others.IsEmpty
                ? OwnWait.End(WaitEndKind.Internal, $"waits on {id}, whose peer {peerId} its own process holds")
                : new OwnWait(WaitEndKind.Moved, $"waits on {id}, whose peer is held by {string.Join(", ", others)}", others);
        }
        if (socket.Remote is string remote && socket.Kind is FdKind.Tcp or FdKind.Tcp6)
        {
            return OwnWait.End(WaitEndKind.Outside, write ? $"waits to send to {remote} ({id})" : $"waits for {remote} to send ({id})");
        }
        return OwnWait.End(WaitEndKind.Outside, $"waits for traffic on {scope.Where(id)}");
    }

    public override IEnumerable<ReportObject> Objects(Snapshot snapshot, AnalysisResult analysis) =>
        snapshot.Sockets.Where(k => Matters(k, snapshot, analysis)).Select(k => new ReportObject
        {
            Id = k.Id,
            Kind = Reported(k.Kind),
            Holders = k.Holders,
            HoldersComplete = k.HoldersComplete,
            State = k.State,
            Local = k.Local,
            Remote = k.Remote,
            Path = k.Path,
            SendQueueBytes = k.SendQueueBytes,
            RecvQueueBytes = k.RecvQueueBytes,
            Peer = k.Peer,
            ZeroWindow = k.ZeroWindow,
        });

    private static ObjectKind Reported(FdKind kind) => kind switch
    {
        FdKind.Tcp => ObjectKind.Tcp,
        FdKind.Tcp6 => ObjectKind.Tcp6,
        FdKind.Udp => ObjectKind.Udp,
        FdKind.Udp6 => ObjectKind.Udp6,
        FdKind.Unix => ObjectKind.Unix,
        _ => ObjectKind.Socket,
    };

    /// <summary>A socket matters when something waits on it, it is named in a finding, or it is the peer of one that does.</summary>
    private static bool Matters(SocketInfo socket, Snapshot snapshot, AnalysisResult analysis)
    {
        bool Involved(string id) => analysis.Waits.Any(w => w.Object == id) || analysis.Findings.Any(f => f.Object == id);
        return Involved(socket.Id) || snapshot.Sockets.Any(o => o.Peer == socket.Id && Involved(o.Id));
    }

    public override string Row(ReportObject o, Report report)
    {
        string where = o.Local is not null && o.Remote is not null ? $"{o.Local} -> {o.Remote}" : o.Path ?? "";
        string queues = string.Join(", ", new[]
        {
            o.State == "LISTEN" && o.RecvQueueBytes is long pending ? $"{pending} connection{(pending == 1 ? "" : "s")} waiting to be accepted" : null,
            o.SendQueueBytes is long q ? "Send-Q " + Describe.Bytes(q) : null,
            o.RecvQueueBytes is long r && o.State != "LISTEN" ? "Recv-Q " + Describe.Bytes(r) : null,
            o.ZeroWindow == true ? "zero window (the peer does not read)" : null,
        }.Where(x => x is not null));
        string holders = string.Join(", ", o.Holders.Select(h => $"{TextReport.Who(report, new WaitEnd(h.Pid))} fd {h.Fd}"));
        return $"{o.Id} {o.Kind.Name()} {TerminalText.Safe(where)} {o.State}; {queues}; held by {(holders.Length > 0 ? holders : "nobody in these processes")}{(o.Peer is null ? "" : "; peer " + o.Peer)}";
    }

    public override EdgeWords? Words(WaitEdge e) => e.Reason switch
    {
        WaitReasons.RecvEmptySocket => new EdgeWords($"waits to receive on {e.Object} from", "peer held by"),
        WaitReasons.SendFullSocket => new EdgeWords($"waits to send on {e.Object} to", "peer held by"),
        WaitReasons.ConnectBacklogFull => new EdgeWords($"waits to connect through the full backlog of {e.Object} held by", "listener held by"),
        _ => null,
    };

    public override string? OnStopped(WaitEdge e, Describe d) => e.Reason switch
    {
        WaitReasons.RecvEmptySocket => $"waits to receive on {d.Socket(e.Object!)}",
        WaitReasons.SendFullSocket => $"waits to send on {d.Socket(e.Object!)}",
        _ => null,
    };

    public override string Label(ReportObject o) =>
        o.SendQueueBytes is long send && send > 0 ? $"{o.Id} {o.Kind.Name()} Send-Q {send}" : $"{o.Id} {o.Kind.Name()}";
}
