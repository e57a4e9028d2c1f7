using System.Collections.Immutable;
using ProcAudit.Analysis.Patterns;
using ProcAudit.Runtimes;

namespace ProcAudit.Analysis;

/// <summary>
/// Problems that are not cycles: a reader waiting for an EOF that cannot come because someone
/// still holds a write end, and a writer blocked on a full pipe whose reader is busy elsewhere. The words are
/// the <see cref="PatternCatalogue"/>'s.
/// </summary>
internal static class StallFinder
{
    public static ImmutableArray<Finding> Find(Snapshot snapshot, ImmutableArray<WaitEdge> edges, IReadOnlyCollection<Cycle> cycles, Describe d)
    {
        HashSet<WaitEdge> inCycles = cycles.SelectMany(c => c.Waits).ToHashSet();
        // Looked up once per thread: a walk of every cycle's edges each time was quadratic in a scan's machine-wide tree.
        HashSet<(int? Tid, string? Object)> cycleWaits = inCycles.Select(e => (e.From.Tid, e.Object)).ToHashSet();
        List<Finding> findings = new();
        foreach (ProcessInfo process in snapshot.Processes)
        {
            foreach (ThreadInfo thread in process.Threads)
            {
                if (thread.Syscall is not { Name: string name, Object: string obj } call || thread.Progress?.Moved == true || thread.State is "T" or "t"
                    || cycleWaits.Contains((thread.Tid, obj)))
                {
                    continue;
                }
                SyscallShape shape = call.Shape;
                if (shape == SyscallShape.FdWrite && snapshot.FindSocket(obj) is SocketInfo socket
                    && PeerNotReading(snapshot, process, call.Fd, socket, d, inferred: null) is Finding notReading && !findings.Contains(notReading))
                {
                    findings.Add(notReading);
                    continue;
                }
                if (snapshot.FindPipe(obj) is not PipeInfo pipe)
                {
                    continue;
                }
                bool looksLikeRuntimeLoop = pipe.Holders.All(h => h.Pid == process.Pid) && thread.Tid != process.Pid && process.Threads.Length > 1;
                Finding? finding = shape switch
                {
                    SyscallShape.FdRead => LeakedWriteEnd(snapshot, process, call.Fd, pipe, d, looksLikeRuntimeLoop, who: d.Process(process.Pid) + RuntimeRegistry.Where(d, new WaitEnd(process.Pid, thread.Tid)), inferred: null),
                    SyscallShape.FdWrite => ReaderNotReading(snapshot, process, call.Fd, pipe, d, inferred: null),
                    _ => null,
                };
                if (finding is not null && !findings.Contains(finding))
                {
                    findings.Add(finding);
                }
            }
        }
        foreach (SocketInfo listener in snapshot.Sockets.Where(s => s.Listener))
        {
            if (BacklogFull(snapshot, listener, edges, d) is Finding finding && !findings.Contains(finding))
            {
                findings.Add(finding);
            }
        }

        // What the runtime views find; the edges a chain of theirs tells are not told again below.
        HashSet<WaitEdge> told = new();
        ViewFindingScope views = new(snapshot, edges, inCycles, d, told);
        foreach (RuntimeViewModule view in RuntimeRegistry.Modules)
        {
            foreach (Finding finding in view.Findings(views))
            {
                if (!findings.Contains(finding))
                {
                    findings.Add(finding);
                }
            }
        }
        // A goroutine (or async flow) blocked writing a socket outside such a chain: the peer that does not read is the finding.
        foreach (WaitEdge e in edges.Where(e => (e.From.Goroutine is not null || e.From.Flow is not null) && e.Reason == WaitReasons.SendFullSocket && !inCycles.Contains(e) && !told.Contains(e)))
        {
            if (snapshot.FindProcess(e.From.Pid) is ProcessInfo sender && e.Object is string id && snapshot.FindSocket(id) is SocketInfo socket
                && PeerNotReading(snapshot, sender, e.Fd, socket, d, inferred: null, who: d.Who(e.From)) is Finding finding && !findings.Contains(finding))
            {
                findings.Add(finding);
            }
        }

        // A reader that waits in a poller (Go's netpoller, .NET's socket engine, epoll, a poll set) shows no read():
        // its edge stands in for the blocked thread, and an inferred one says so.
        foreach (WaitEdge e in edges.Where(e => e.Reason == WaitReasons.ReadEmptyPipe && !inCycles.Contains(e)
            && (e.Certainty == Certainty.Inferred || e.From.Goroutine is not null || Polls(snapshot, e.From))))
        {
            if (snapshot.FindProcess(e.From.Pid) is ProcessInfo reader && e.Object is string id && snapshot.FindPipe(id) is PipeInfo pipe
                && LeakedWriteEnd(snapshot, reader, e.Fd, pipe, d, looksLikeRuntimeLoop: false,
                    who: RuntimeRegistry.WaitsForOutput(d, reader) ?? (Polls(snapshot, e.From) ? d.Who(e.From) + d.Where(e.From) : d.Who(e.From)),
                    inferred: e.Certainty == Certainty.Inferred ? e.Evidence : null) is Finding finding && !findings.Any(f => f.Kind == finding.Kind && f.Object == finding.Object))
            {
                findings.Add(finding);
            }
        }

        // A parked runtime's write shows in no syscall: its inferred edges stand in for the blocked thread (unless an async flow's own edge told it).
        foreach (WaitEdge e in edges.Where(e => e.Certainty == Certainty.Inferred && e.Reason == WaitReasons.SendFullSocket && !inCycles.Contains(e)
            && !edges.Any(x => x.From.Flow is not null && x.From.Pid == e.From.Pid && x.Object == e.Object)))
        {
            if (snapshot.FindProcess(e.From.Pid) is ProcessInfo sender && e.Object is string id && snapshot.FindSocket(id) is SocketInfo socket
                && PeerNotReading(snapshot, sender, e.Fd, socket, d, e.Evidence) is Finding finding && !findings.Contains(finding))
            {
                findings.Add(finding);
            }
        }
        foreach (WaitEdge e in edges.Where(e => e.Certainty == Certainty.Inferred && e.Reason == WaitReasons.WriteFullPipe && !inCycles.Contains(e)))
        {
            if (snapshot.FindProcess(e.From.Pid) is ProcessInfo writer && e.Object is string obj && snapshot.FindPipe(obj) is PipeInfo pipe
                && ReaderNotReading(snapshot, writer, e.Fd, pipe, d, e.Evidence) is Finding finding && !findings.Contains(finding))
            {
                findings.Add(finding);
            }
        }
        return findings.ToImmutableArray();
    }

    /// <summary>A thread blocked in poll or select (its set, not one fd, is what it waits on).</summary>
    private static bool Polls(Snapshot snapshot, WaitEnd end) =>
        end.Tid is int tid && end.Goroutine is null && end.Flow is null
        && snapshot.FindProcess(end.Pid)?.Threads.FirstOrDefault(t => t.Tid == tid)?.Syscall?.Shape == SyscallShape.Poll;

    private static Finding? LeakedWriteEnd(Snapshot snapshot, ProcessInfo reader, int? fd, PipeInfo pipe, Describe d, bool looksLikeRuntimeLoop, string? who, string? inferred)
    {
        who ??= d.Process(reader.Pid);
        List<Holder> writers = pipe.Holders.Where(h => h.Role == "writer").ToList();
        // Outside the tree, or an orphan the subreaper (procaudit run) adopted into it: no longer the reader's to wait for.
        List<Holder> outside = writers.Where(h => snapshot.FindProcess(h.Pid) is ProcessInfo p && h.Pid != reader.Pid
            && (!p.InTree || (snapshot.Adopter is int adopter && p.PPid == adopter && h.Pid != snapshot.Root))).ToList();
        List<Holder> own = writers.Where(h => h.Pid == reader.Pid).ToList();
        PipeSide stream = new(d.StreamName(pipe.Id), fd, pipe.Id, d.Fill(pipe.Id, false));
        if (outside.Count > 0)
        {
            Holder first = outside[0];
            ProcessInfo holder = snapshot.FindProcess(first.Pid)!;
            OrphanOf orphan = holder.PPid == 1 ? OrphanOf.Init : holder.PPid == snapshot.Adopter ? OrphanOf.Supervisor : OrphanOf.None;
            return PatternCatalogue.LeakedWriteEnd.Finding(
                outside.Select(h => h.Pid).Distinct().Append(reader.Pid).ToImmutableArray(),
                pipe.Id,
                new LeakedWriteEndFacts.HeldElsewhere(who, ImmutableArray.Create(stream),
                    new WriteEndHolder(d.Process(holder.Pid), holder.Name, holder.Pid, d.Command(holder.Pid), orphan, holder.PPid, !holder.InTree, ImmutableArray.Create(first.Fd)),
                    outside.Count - 1, inferred));
        }
        if (own.Count > 0 && !looksLikeRuntimeLoop && writers.All(h => h.Pid == reader.Pid))
        {
            return PatternCatalogue.LeakedWriteEnd.Finding(ImmutableArray.Create(reader.Pid), pipe.Id, new LeakedWriteEndFacts.HeldByWaiter(who, stream, own[0].Fd, inferred));
        }
        return null;
    }

    private static Finding? ReaderNotReading(Snapshot snapshot, ProcessInfo writer, int? fd, PipeInfo pipe, Describe d, string? inferred)
    {
        List<int> readers = pipe.Holders.Where(h => h.Role == "reader" && h.Pid != writer.Pid).Select(h => h.Pid).Distinct().ToList();
        if (readers.Count == 0)
        {
            return null;
        }
        // A reader that is on a CPU, or used one between the samples, is busy and may well be
        // about to read: a stall needs every reader to sleep on something else.
        if (readers.Any(pid => snapshot.FindProcess(pid) is ProcessInfo r && r.Threads.Any(Busy)))
        {
            return null;
        }
        int reader = readers[0];
        ReaderIs readerIs = writer.PPid == reader ? ReaderIs.WritersParent
            : snapshot.FindProcess(reader)?.PPid == writer.Pid ? ReaderIs.WritersChild
            : ReaderIs.Unrelated;
        return PatternCatalogue.ReaderNotReading.Finding(
            ImmutableArray.Create(reader, writer.Pid),
            pipe.Id,
            new ReaderNotReadingFacts(d.Process(writer.Pid), new PipeSide(d.StreamName(pipe.Id), fd, pipe.Id, d.Fill(pipe.Id, true)), d.Relation(writer.Pid, reader),
                d.Process(reader), reader, Activity(snapshot.FindProcess(reader), d), readers.Skip(1).Select(d.Process).ToImmutableArray(), readerIs, inferred));
    }

    /// <summary>
    /// A sender blocked on a full socket whose peer, on this machine, is not reading it; or, for a
    /// remote peer, one whose zero-window probe says it does not read.
    /// </summary>
    private static Finding? PeerNotReading(Snapshot snapshot, ProcessInfo sender, int? senderFd, SocketInfo socket, Describe d, string? inferred, string? who = null)
    {
        who ??= d.Process(sender.Pid);
        SocketInfo? peer = socket.Peer is string id ? snapshot.FindSocket(id) : null;
        if (peer is null)
        {
            if (!socket.ZeroWindow || socket.Remote is null)
            {
                return null;
            }
            return PatternCatalogue.PeerNotReading.Finding(ImmutableArray.Create(sender.Pid), socket.Id,
                new PeerNotReadingFacts.Remote(who, senderFd, d.Socket(socket.Id), socket.Remote, inferred));
        }
        List<ProcessInfo> holders = peer.Holders.Select(h => h.Pid).Where(p => p != sender.Pid).Distinct()
            .Select(snapshot.FindProcess).OfType<ProcessInfo>().ToList();
        if (holders.Count == 0)
        {
            return null;
        }
        // Reading it right now, or busy on a CPU: not a stall.
        if (holders.Any(p => p.Threads.Any(t => Busy(t)
            || (t.Syscall?.Object == peer.Id && t.Syscall.Shape == SyscallShape.FdRead))))
        {
            return null;
        }
        ProcessInfo reader = holders[0];
        Holder fd = peer.Holders.First(h => h.Pid == reader.Pid);
        return PatternCatalogue.PeerNotReading.Finding(
            ImmutableArray.Create(reader.Pid, sender.Pid),
            socket.Id,
            new PeerNotReadingFacts.Local(who, senderFd, d.Socket(socket.Id), d.Process(reader.Pid), fd.Fd, peer.Id, peer.RecvQueueBytes, Activity(reader, d), inferred));
    }

    /// <summary>A listener whose accept backlog is full while none of its holders accepts: clients hang in connect.</summary>
    private static Finding? BacklogFull(Snapshot snapshot, SocketInfo listener, ImmutableArray<WaitEdge> edges, Describe d)
    {
        List<WaitEdge> connecting = edges.Where(e => e.Reason == WaitReasons.ConnectBacklogFull && e.Object == listener.Id).ToList();
        bool full = listener.BacklogLimit is long limit && listener.RecvQueueBytes is long pending && pending >= limit;
        if (!full && connecting.Count == 0)
        {
            return null;
        }
        List<ProcessInfo> holders = listener.Holders.Select(h => snapshot.FindProcess(h.Pid)).OfType<ProcessInfo>().Distinct().ToList();
        bool accepting = holders.Any(p => p.Threads.Any(t => Busy(t)
            || (t.Syscall is { Name: "accept" or "accept4" } c && c.Object == listener.Id)));
        if (holders.Count == 0 || accepting)
        {
            return null;
        }
        ProcessInfo server = holders[0];
        return PatternCatalogue.BacklogFull.Finding(
            connecting.Select(e => e.From.Pid).Prepend(server.Pid).Distinct().ToImmutableArray(),
            listener.Id,
            new BacklogFullFacts(d.Process(server.Pid), listener.Local ?? listener.Path ?? listener.Id, listener.Id, listener.RecvQueueBytes, listener.BacklogLimit,
                connecting.Select(e => d.Process(e.From.Pid)).Distinct().ToImmutableArray(), Activity(server, d)));
    }

    /// <summary>On a CPU now, or used one between the samples: such a thread may be about to read or accept.</summary>
    private static bool Busy(ThreadInfo t) => t.State == "R" || t.Progress?.CpuTicks > 0;

    /// <summary>What a process is doing, in words, from its most telling thread.</summary>
    public static string Activity(ProcessInfo? process, Describe d)
    {
        if (process is null)
        {
            return "cannot be seen";
        }
        // The main thread first: a runtime's helper threads (a signal thread reading its self-pipe)
        // would describe the runtime, not what the program is doing.
        ThreadInfo? main = process.Threads.FirstOrDefault(t => t.Syscall is not null && t.Tid == process.Pid)
            ?? process.Threads.FirstOrDefault(t => t.Syscall?.Object is not null)
            ?? process.Threads.FirstOrDefault(t => t.Syscall is not null);
        // A runtime's own word (a Go program's main goroutine, a managed frame) says more than the futex its threads sleep in.
        if (RuntimeRegistry.Activity(process, main) is string said)
        {
            return said;
        }
        if (main?.Syscall is not { Name: string name } call)
        {
            return process.State == "R" ? "is running" : "is not in a syscall we can name";
        }
        return call.Shape switch
        {
            SyscallShape.Sleep => $"sleeps in {name}",
            SyscallShape.Futex => $"waits on a futex (thread {main.Tid}{(process.Runtime is string r ? ", " + r + " runtime" : "")})",
            SyscallShape.Poll => $"waits in {name}",
            SyscallShape.Wait => $"waits in {name} for a child to exit",
            _ when call.Object is string o => $"is blocked in {name} on fd {call.Fd} ({d.StreamName(o)}, {o})",
            _ => $"is blocked in {name}",
        };
    }
}
