using System.Collections.Immutable;
using System.Globalization;
using ProcAudit.Analysis;
using ProcAudit.Analysis.Patterns;

namespace ProcAudit.Runtimes;

/// <summary>
/// Go findings that are not cycles: a lock held by a goroutine that is itself blocked (named
/// <c>lock-held-across-blocking-send</c> when it blocks on a channel send), told as one chain from the lock
/// through the channel and its receiver to the fd and the peer that does not read; and channel operations with
/// nobody on the other side (<c>chan-send-no-receiver</c>, <c>chan-recv-no-sender</c>). The words are the
/// <see cref="PatternCatalogue"/>'s.
/// </summary>
internal static class GoStallFinder
{
    private const int MaxChain = 5;

    // scope.Told: gets every edge a chain finding tells, so no other finding tells it again.
    public static List<Finding> Find(ViewFindingScope scope)
    {
        (Snapshot snapshot, ImmutableArray<WaitEdge> edges, HashSet<WaitEdge> inCycles, Describe d, HashSet<WaitEdge> told) = scope;
        List<Finding> findings = new();
        foreach (ProcessInfo process in snapshot.Processes.Where(p => !p.Goroutines.IsDefaultOrEmpty))
        {
            foreach (GoLockInfo l in process.GoLocks)
            {
                if (LockHolderBlocked(snapshot, process, l, edges, inCycles, d, told) is Finding finding)
                {
                    findings.Add(finding);
                }
            }
            foreach (GoroutineInfo g in process.Goroutines)
            {
                if (NobodyOnTheOtherSide(process, g, edges, d) is Finding finding)
                {
                    findings.Add(finding);
                }
            }
        }
        return findings;
    }

    private static Finding? LockHolderBlocked(Snapshot snapshot, ProcessInfo process, GoLockInfo l, ImmutableArray<WaitEdge> edges, HashSet<WaitEdge> inCycles, Describe d, HashSet<WaitEdge> told)
    {
        List<GoroutineInfo> waiters = l.Waiters.Select(id => Goroutine(process, id)).OfType<GoroutineInfo>().Where(g => !g.Moved).ToList();
        if (waiters.Count == 0 || inCycles.Any(e => e.Object == l.Id))
        {
            return null;
        }
        (long holderId, string evidence) = GoLockHolders.Of(l).FirstOrDefault();
        if (Goroutine(process, holderId) is not GoroutineInfo holder || holder.Moved || holder.State != "waiting" || holder.WaitKind is null)
        {
            return null;
        }
        GoReferenceInfo? defer = l.PendingUnlocks.FirstOrDefault(r => r.Goroutine == holderId);
        bool readLock = defer?.Detail?.Contains("RUnlock", StringComparison.Ordinal) == true;
        List<WaitEdge> mine = new();
        string chain = Chain(snapshot, process, holder, edges, d, new HashSet<long>(), mine);
        told.UnionWith(mine);
        // The finding's chain: the waits on the lock, then the holder's chain to its end.
        ImmutableArray<WaitEdge> waits = edges.Where(e => e.Object == l.Id && e.From.Pid == process.Pid).Concat(mine).Distinct().ToImmutableArray();
        GoLockHeldFacts facts = new(d.Process(process.Pid), GoWords.Goroutine(d, new WaitEnd(process.Pid, Goroutine: holder.Id)), readLock, GoLockHolders.Name(l), GoLockHolders.State(l),
            evidence, chain, waiters.Select(g => GoWords.Goroutine(d, new WaitEnd(process.Pid, Goroutine: g.Id))).ToImmutableArray());
        ImmutableArray<int> pids = waits.SelectMany(e => new[] { e.From.Pid, e.To.Pid }).Prepend(process.Pid).Distinct().ToImmutableArray();
        Finding finding = holder.WaitKind == "chan-send"
            ? PatternCatalogue.LockHeldAcrossBlockingSend.Finding(pids, l.Id, facts)
            : PatternCatalogue.LockHolderBlocked.Finding(pids, l.Id, new LockHolderBlockedFacts.GoroutineHolder(facts));
        return finding with
        {
            Waits = waits,
            // The holder is taken from evidence (a pending deferred unlock, a live pointer), never reported by the runtime.
            Certainty = Certainty.Inferred,
        };
    }

    /// <summary>What a blocked goroutine waits on, followed through channel receivers, as one clause.</summary>
    private static string Chain(Snapshot snapshot, ProcessInfo process, GoroutineInfo g, ImmutableArray<WaitEdge> edges, Describe d, HashSet<long> seen, List<WaitEdge> told)
    {
        seen.Add(g.Id);
        List<WaitEdge> next = edges.Where(e => e.From.Pid == process.Pid && e.From.Goroutine == g.Id).ToList();
        switch (g.WaitKind)
        {
            case "chan-send" or "chan-recv" when process.GoChannels.FirstOrDefault(c => c.Id == g.WaitsOn) is GoChannelInfo c:
                bool send = g.WaitKind == "chan-send";
                string what = $"{(send ? "blocks sending on" : "blocks receiving from")} {c.Id} ({Channel(c)})";
                List<WaitEdge> others = next.Where(e => e.Object == c.Id && e.To.Goroutine is not null).ToList();
                if (others.Count == 0)
                {
                    return $"{what}, and no goroutine can be seen that would {(send ? "receive from" : "send to")} it";
                }
                WaitEdge first = others[0];
                string role = send ? "receiver" : "sender";
                string also = others.Count > 1 ? $" (or one of {others.Count - 1} more goroutines holding it)" : "";
                GoroutineInfo? other = Goroutine(process, first.To.Goroutine!.Value);
                string whoElse = $"the channel's {role}, {GoWords.Goroutine(d, first.To)}{also} (inferred: it holds the channel in a live variable)";
                if (other is null || other.Moved || seen.Contains(other.Id) || seen.Count >= MaxChain)
                {
                    return $"{what}; {whoElse}, is not parked on it";
                }
                told.Add(first);
                return $"{what}; {whoElse}, {Chain(snapshot, process, other, edges, d, seen, told)}";
            case "io" when g.Fd is int fd:
                WaitEdge? io = next.FirstOrDefault(e => e.Fd == fd && e.To.Goroutine is null);
                if (io is not null)
                {
                    told.Add(io);
                }
                string verb = g.FdMode == "write" ? "writing" : "reading";
                if (io?.Object is string obj && snapshot.FindSocket(obj) is SocketInfo socket)
                {
                    SocketInfo? peer = socket.Peer is string p ? snapshot.FindSocket(p) : null;
                    Holder? holder = peer?.Holders.FirstOrDefault(h => h.Pid == io.To.Pid);
                    string recvQ = peer?.RecvQueueBytes is long r ? $", Recv-Q {Describe.Bytes(r)}" : "";
                    string peerText = holder is null ? d.Process(io.To.Pid) : $"{d.Process(io.To.Pid)} fd {holder.Fd} ({peer!.Id}{recvQ})";
                    return g.FdMode == "write"
                        ? $"is blocked writing fd {fd} ({d.Socket(socket.Id)}{(socket.ZeroWindow ? ", zero window" : "")}), and the peer, {peerText}, does not read it: it {StallFinder.Activity(snapshot.FindProcess(io.To.Pid), d)}"
                        : $"is blocked reading fd {fd} ({d.Socket(socket.Id)}), which has nothing to read, from {peerText}, which {StallFinder.Activity(snapshot.FindProcess(io.To.Pid), d)}";
                }
                if (io?.Object is string pipe && snapshot.FindPipe(pipe) is not null)
                {
                    return $"is blocked {verb} fd {fd} ({pipe}, {d.Fill(pipe, g.FdMode == "write")}), whose other end {d.Process(io.To.Pid)} holds";
                }
                return $"is blocked {verb} fd {fd} ({process.FindFd(fd)?.Target ?? "?"})";
            case "lock" when process.GoLocks.FirstOrDefault(x => x.Id == g.WaitsOn) is GoLockInfo inner:
                WaitEdge? held = next.FirstOrDefault(e => e.Object == inner.Id);
                string by = held?.To.Goroutine is long h ? $", held by {GoWords.Goroutine(d, held.To)} (inferred)" : "";
                return $"waits for {GoLockHolders.Name(inner)} ({GoLockHolders.State(inner)}){by}";
            default:
                return $"waits ({g.WaitReason})";
        }
    }

    /// <summary>A channel operation with nobody queued on the other side and no goroutine holding the channel live.</summary>
    private static Finding? NobodyOnTheOtherSide(ProcessInfo process, GoroutineInfo g, ImmutableArray<WaitEdge> edges, Describe d)
    {
        if (g.Moved || g.WaitKind is not ("chan-send" or "chan-recv") || GoWords.IsRuntimeGoroutine(g)
            || process.GoChannels.FirstOrDefault(c => c.Id == g.WaitsOn) is not GoChannelInfo c
            || c.Closed || edges.Any(e => e.From.Pid == process.Pid && e.From.Goroutine == g.Id))
        {
            return null;
        }
        bool send = g.WaitKind == "chan-send";
        if ((send ? c.RecvWaiters : c.SendWaiters).Length > 0)
        {
            return null;
        }
        // A goroutine waiting behind a lock this one holds is reported by the lock finding.
        if (process.GoLocks.Any(l => GoLockHolders.Of(l).Any(h => h.Goroutine == g.Id) && l.Waiters.Length > 0))
        {
            return null;
        }
        return (send ? PatternCatalogue.ChanSendNoReceiver : PatternCatalogue.ChanRecvNoSender).Finding(
            ImmutableArray.Create(process.Pid),
            c.Id,
            new ChannelWaitFacts(d.Process(process.Pid), GoWords.Goroutine(d, new WaitEnd(process.Pid, Goroutine: g.Id)), c.Id, Channel(c)));
    }

    private static string Channel(GoChannelInfo c) =>
        $"{(c.ElementType is null ? "" : "chan " + c.ElementType + ", ")}{(c.Capacity == 0 ? "unbuffered" : $"{c.Queued.ToString(CultureInfo.InvariantCulture)}/{c.Capacity.ToString(CultureInfo.InvariantCulture)}{(c.Queued >= c.Capacity ? " full" : "")}")}";

    private static GoroutineInfo? Goroutine(ProcessInfo process, long id) => process.Goroutines.FirstOrDefault(g => g.Id == id);
}
