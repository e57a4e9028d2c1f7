using System.Collections.Immutable;
using ProcAudit.Analysis;
using ProcAudit.Reporting;

namespace ProcAudit.Tests.Analysis;

/// <summary>The analysis on snapshots recorded from real trees (tools/record-snapshots.sh), two samples each.</summary>
public sealed class RecordedSnapshotTests
{
    [Fact]
    public void Go_parent_parked_in_its_netpoller_gets_an_inferred_read_edge_that_closes_the_cycle()
    {
        Snapshot s = Load("go-pipe-order-inversion");
        AnalysisResult a = Analyzer.Analyze(s);

        Assert.Equal(21492, s.Root);
        Assert.Equal("go", s.FindProcess(21492)!.Runtime);
        Assert.Equal(Verdict.Deadlock, a.Verdict);
        Cycle cycle = Assert.Single(a.Cycles);
        Assert.Equal("pipe-order-inversion", cycle.Pattern);

        WaitEdge read = Assert.Single(cycle.Waits, e => e.Reason == WaitReasons.ReadEmptyPipe);
        Assert.Equal(new WaitEdge(new WaitEnd(21492), new WaitEnd(21496), "pipe:[86758]", WaitReasons.ReadEmptyPipe, Certainty.Inferred,
            "every thread is parked in epoll/futex; epoll fd 5 watches fd 3, the read end of pipe:[86758], which is empty and whose writer 21496 is itself blocked", 3), read);
        WaitEdge write = Assert.Single(cycle.Waits, e => e.Reason == WaitReasons.WriteFullPipe);
        Assert.Equal((21496, 21496, 21492, "pipe:[86760]", 2, Certainty.Observed), (write.From.Pid, write.From.Tid, write.To.Pid, write.Object, write.Fd, write.Certainty));

        // Never presented as observed: the sentence says which edge is a deduction.
        Assert.Contains("one edge is inferred", cycle.Summary);
        Assert.Contains("65536/65536 bytes full", cycle.Summary);
    }

    [Fact]
    public void Go_writer_parked_on_a_full_pipe_whose_reader_sleeps_is_an_inferred_reader_not_reading()
    {
        Snapshot s = Load("go-writer-parked");
        AnalysisResult a = Analyzer.Analyze(s);

        Assert.Equal(Verdict.Stalled, a.Verdict);
        WaitEdge edge = Assert.Single(a.Waits);
        Assert.Equal((24190, (int?)null, 24194, "pipe:[103205]", WaitReasons.WriteFullPipe, Certainty.Inferred, (int?)4),
            (edge.From.Pid, edge.From.Tid, edge.To.Pid, edge.Object, edge.Reason, edge.Certainty, edge.Fd));
        Finding finding = Assert.Single(a.Findings);
        Assert.Equal("reader-not-reading", finding.Kind);
        Assert.Equal(new[] { 24194, 24190 }, finding.Pids);
        Assert.Equal(
            "go-writer-parked 24190 waits writing stdin (fd 4, pipe:[103205], 65536/65536 bytes full), but the reader, its child sleep 24194, does not read it: " +
            "it sleeps in clock_nanosleep (inferred: every thread is parked in epoll/futex; epoll fd 5 watches fd 4, the write end of pipe:[103205], which is full (65536/65536 bytes)).",
            finding.Summary);
    }

    [Fact]
    public void Go_sender_parked_on_a_zero_window_socket_is_an_inferred_peer_not_reading()
    {
        Snapshot s = Load("go-tcp-sender");
        AnalysisResult a = Analyzer.Analyze(s);

        Assert.Equal(Verdict.Stalled, a.Verdict);
        WaitEdge edge = Assert.Single(a.Waits);
        Assert.Equal((31513, 31518, "socket:[613835]", WaitReasons.SendFullSocket, Certainty.Inferred, (int?)4),
            (edge.From.Pid, edge.To.Pid, edge.Object, edge.Reason, edge.Certainty, edge.Fd));
        SocketInfo sending = s.FindSocket("socket:[613835]")!;
        Assert.True(sending.ZeroWindow);
        Assert.Equal(3_791_494, sending.SendQueueBytes);
        Assert.Equal("socket:[613836]", sending.Peer);
        Finding finding = Assert.Single(a.Findings);
        Assert.Equal("peer-not-reading", finding.Kind);
        Assert.Equal(new[] { 31518, 31513 }, finding.Pids);
        Assert.StartsWith("go-tcp-sender 31513 waits sending on fd 4 (127.0.0.1:48246 -> 127.0.0.1:45327, socket:[613835], Send-Q 3,791,494 bytes), " +
            "but the peer, go-tcp-sender 31518 fd 1 (socket:[613836], Recv-Q 127,973 bytes), does not read it", finding.Summary);
        Assert.Contains("(inferred: every thread is parked in epoll/futex", finding.Summary);
    }

    [Fact]
    public void A_blocked_writer_that_moved_between_samples_gives_no_edge_and_no_cycle()
    {
        Snapshot s = Load("go-pipe-order-inversion");
        Snapshot moved = s with
        {
            Processes = s.Processes.Select(p => p.Pid != 21496 ? p : p with
            {
                Threads = p.Threads.Select(t => t.Tid == 21496 ? t with { Progress = new ThreadProgress(3, 120, false) } : t).ToImmutableArray(),
            }).ToImmutableArray(),
        };

        AnalysisResult a = Analyzer.Analyze(moved);

        Assert.Empty(a.Cycles);
        Assert.DoesNotContain(a.Waits, e => e.From.Pid == 21496);
        // With its writer no longer blocked, nothing supports the parent's inferred edge either.
        Assert.DoesNotContain(a.Waits, e => e.Certainty == Certainty.Inferred);
        Assert.Equal(Verdict.Running, a.Verdict);
    }

    [Fact]
    public void A_busy_pipeline_whose_pipe_stays_full_is_running_because_its_threads_move()
    {
        Snapshot s = Load("healthy-pipeline");
        AnalysisResult a = Analyzer.Analyze(s);

        Assert.Equal(Verdict.Running, a.Verdict);
        Assert.Empty(a.Cycles);
        Assert.Empty(a.Findings);
        // The yes -> gzip pipe was full at both looks; only thread progress tells busy from stuck.
        PipeInfo full = Assert.Single(s.Pipes, p => p.QueuedBytes == 65536);
        Assert.Equal(65536, full.QueuedBytesLater);
        Assert.DoesNotContain(a.Waits, e => e.Reason == WaitReasons.WriteFullPipe);
        Assert.All(a.Waits, e => Assert.Equal(WaitReasons.WaitChildExit, e.Reason));
    }

    [Fact]
    public void Without_the_second_look_a_busy_reader_still_is_not_called_a_reader_that_never_reads()
    {
        Snapshot s = Load("healthy-pipeline");
        Snapshot single = s with
        {
            IntervalMs = 0,
            Processes = s.Processes.Select(p => p with { Threads = p.Threads.Select(t => t with { Progress = null }).ToImmutableArray() }).ToImmutableArray(),
            Pipes = s.Pipes.Select(p => p with { QueuedBytesLater = null }).ToImmutableArray(),
        };

        AnalysisResult a = Analyzer.Analyze(single);

        Assert.Contains(a.Waits, e => e.Reason == WaitReasons.WriteFullPipe);
        Assert.DoesNotContain(a.Findings, f => f.Kind == "reader-not-reading");
        Assert.Equal(Verdict.Running, a.Verdict);
    }

    [Fact]
    public void A_snapshot_survives_a_json_round_trip_with_the_same_analysis()
    {
        Snapshot s = Load("go-pipe-order-inversion");
        Snapshot again = ReportJson.DeserializeSnapshot(ReportJson.SerializeSnapshot(s));

        AnalysisResult first = Analyzer.Analyze(s);
        AnalysisResult second = Analyzer.Analyze(again);

        Assert.Equal(first.Verdict, second.Verdict);
        // ImmutableArray equality is by reference; compare the edges themselves.
        Assert.Equal(first.Waits.AsEnumerable(), second.Waits.AsEnumerable());
        Assert.Equal(first.Cycles.Single().Summary, second.Cycles.Single().Summary);
        Assert.Equal(s.Processes.SelectMany(p => p.Threads).Select(t => t.Syscall?.Args.Length), again.Processes.SelectMany(p => p.Threads).Select(t => t.Syscall?.Args.Length));
    }

    [Fact]
    public void Go_broadcaster_with_its_goroutines_is_one_chain_from_the_lock_to_the_peer_that_never_reads()
    {
        Snapshot s = Load("go-broadcaster");
        AnalysisResult a = Analyzer.Analyze(s);

        Assert.Equal(Verdict.Stalled, a.Verdict);
        WaitEdge lockWait = Assert.Single(a.Waits, e => e.Reason == WaitReasons.GoLock);
        Assert.Equal((new WaitEnd(17214, Goroutine: 1), new WaitEnd(17214, Goroutine: 20), "golock:17214:0xc0000905a0", Certainty.Inferred),
            (lockWait.From, lockWait.To, lockWait.Object, lockWait.Certainty));
        WaitEdge send = Assert.Single(a.Waits, e => e.Reason == WaitReasons.GoChanSend);
        Assert.Equal((new WaitEnd(17214, Goroutine: 20), new WaitEnd(17214, Goroutine: 19), "chan:17214:0xc0000aa1e0", Certainty.Inferred),
            (send.From, send.To, send.Object, send.Certainty));
        WaitEdge write = Assert.Single(a.Waits, e => e.Reason == WaitReasons.SendFullSocket);
        Assert.Equal((new WaitEnd(17214, Goroutine: 19), new WaitEnd(17219), "socket:[5096422]", Certainty.Observed, 4),
            (write.From, write.To, write.Object, write.Certainty, write.Fd));
        // The health listener's goroutine waits in accept: no edge, no finding.
        Assert.DoesNotContain(a.Waits, e => e.From.Goroutine == 18);

        Finding chain = Assert.Single(a.Findings);
        Assert.Equal(("lock-held-across-blocking-send", "golock:17214:0xc0000905a0"), (chain.Kind, chain.Object));
        Assert.Equal(
            "In go-broadcaster 17214, goroutine 20 (main.(*room).broadcast, main.go:31) holds the read lock of sync.RWMutex 0xc0000905a0 " +
            "(1 reader inside, a writer waiting; inferred: goroutine 20 has a pending deferred main.(*room).broadcast.func1 (sync.(*RWMutex).RUnlock) on it in main.(*room).broadcast (main.go:31)) " +
            "while it blocks sending on chan:17214:0xc0000aa1e0 (chan []uint8, 10/10 full); the channel's receiver, goroutine 19 (main.(*member).writer, main.go:43, in net.(*conn).Write) " +
            "(inferred: it holds the channel in a live variable), is blocked writing fd 4 (127.0.0.1:48462 -> 127.0.0.1:44047, socket:[5096422], Send-Q 3,782,144 bytes, zero window), " +
            "and the peer, go-broadcaster 17219 fd 4 (socket:[5096425], Recv-Q 128,512 bytes), does not read it: it waits (sleep) in main.peer (main.go:70, goroutine 1); " +
            "meanwhile 1 goroutine waits for the lock: goroutine 1 (main.(*room).add, main.go:36, in sync.(*RWMutex).Lock).",
            chain.Summary);
    }

    [Fact]
    public void A_goroutine_that_moved_between_two_reads_breaks_the_chain()
    {
        Snapshot s = Load("go-broadcaster");
        ProcessInfo room = s.FindProcess(17214)!;
        Snapshot moved = s with
        {
            Processes = s.Processes.Replace(room, room with
            {
                Goroutines = room.Goroutines.Select(g => g.Id == 20 ? g with { Moved = true } : g).ToImmutableArray(),
            }),
        };

        AnalysisResult a = Analyzer.Analyze(moved);

        Assert.DoesNotContain(a.Waits, e => e.From.Goroutine == 20);
        Assert.DoesNotContain(a.Findings, f => f.Kind == "lock-held-across-blocking-send");
    }

    [Fact]
    public void Go_goroutines_holding_each_others_mutex_are_a_lock_order_inversion()
    {
        Snapshot s = Load("go-transfer-lock-order");
        AnalysisResult a = Analyzer.Analyze(s);

        Assert.Equal(Verdict.Deadlock, a.Verdict);
        Cycle cycle = Assert.Single(a.Cycles);
        Assert.Equal("lock-order-inversion", cycle.Pattern);
        Assert.Equal(new long[] { 17, 18 }, cycle.Members.Select(m => m.Goroutine!.Value).Order());
        Assert.All(cycle.Waits, e => Assert.Equal((WaitReasons.GoLock, Certainty.Inferred), (e.Reason, e.Certainty)));
        Assert.Contains("holders inferred: each has a deferred unlock pending on the lock the other waits for", cycle.Summary);
    }

    internal static Snapshot Load(string name) =>
        ReportJson.DeserializeSnapshot(File.ReadAllText(Path.Combine(Repository.Root, "tests", "fixtures", "snapshots", name + ".json")));
}
