using System.Diagnostics;
using ProcAudit.Analysis;
using ProcAudit.Go.Tests.Infrastructure;
using ProcAudit.Reporting;
using Xunit.Abstractions;

namespace ProcAudit.Go.Tests;

/// <summary>
/// Real Go programs, hung in the ways the issue names, audited end to end (kernel capture, goroutine reader,
/// analysis, text report): the chain, the cycle and the orphaned channels come out with the goroutines, lines,
/// channel fills, fds and peers the programs really have, and a busy worker pool is not flagged.
/// </summary>
public sealed class GoroutineWaitAuditTests
{
    private static readonly TimeSpan s_formTimeout = TimeSpan.FromSeconds(30);

    private readonly ITestOutputHelper _output;

    public GoroutineWaitAuditTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Theory(Timeout = 240_000)]
    [InlineData("", false)]
    [InlineData("", true)]
    [InlineData("1.21", false)]
    [InlineData("1.22", false)]
    [InlineData("1.23", false)]
    [InlineData("1.23", true)]
    public async Task BroadcasterIsOneChainFromTheLockThroughTheChannelAndWriterToThePeerThatNeverReads(string toolchain, bool stripped)
    {
        (int pid, string source, AuditResult result) = await AuditHung("go-broadcaster.go", toolchain, r => r.Analysis.Findings.Any(f => f.Kind == "lock-held-across-blocking-send"), stripped);

        ProcessInfo room = result.Snapshot.FindProcess(pid)!;
        ProcessInfo peer = Assert.Single(result.Snapshot.Processes, p => p.PPid == pid);
        GoroutineInfo broadcaster = InFunction(room, "main.(*room).broadcast");
        GoroutineInfo writer = InFunction(room, "main.(*member).writer");
        GoroutineInfo adder = Assert.Single(room.Goroutines, g => g.Id == 1);
        GoroutineInfo health = InFunction(room, "main.health");

        // What each goroutine is parked on, as the runtime's structures say.
        Assert.Equal("chan-send", broadcaster.WaitKind);
        // Go 1.23's runtime parks a goroutine of its own on a channel too (unique's cleanup): pick the broadcaster's.
        GoChannelInfo channel = Assert.Single(room.GoChannels, c => c.Id == broadcaster.WaitsOn);
        Assert.Equal((10L, 10L, "[]uint8"), (channel.Queued, channel.Capacity, channel.ElementType));
        Assert.Equal(broadcaster.Id, Assert.Single(channel.SendWaiters));
        Assert.Empty(channel.RecvWaiters);
        GoReferenceInfo receiver = Assert.Single(channel.References);
        Assert.Equal((writer.Id, "main.(*member).writer", SourceMarkers.Line(source, "writer-write")), (receiver.Goroutine, receiver.Function, receiver.Line ?? 0));

        Assert.Equal(("lock", "write"), (adder.WaitKind, adder.LockMode));
        GoLockInfo rw = Assert.Single(room.GoLocks);
        Assert.Equal(rw.Id, adder.WaitsOn);
        Assert.Equal(("sync.RWMutex", true, 1, true), (rw.Type, rw.Locked, rw.Readers, rw.WriterWaiting));
        Assert.Equal(adder.Id, Assert.Single(rw.Waiters));
        GoReferenceInfo unlock = Assert.Single(rw.PendingUnlocks);
        Assert.Equal((broadcaster.Id, "main.(*room).broadcast"), (unlock.Goroutine, unlock.Function));
        // Go 1.22 renamed the wrapper the compiler makes for `defer r.mu.RUnlock()`.
        Assert.Equal(ToolchainAtLeast(toolchain, 22) ? "main.(*room).broadcast.deferwrap1 (sync.(*RWMutex).RUnlock)" : "main.(*room).broadcast.func1 (sync.(*RWMutex).RUnlock)", unlock.Detail);

        FdInfo socketFd = Assert.Single(room.Fds, f => f.Fd == writer.Fd);
        SocketInfo socket = result.Snapshot.FindSocket(socketFd.Target)!;
        Assert.Equal(("io", "write", socket.Id), (writer.WaitKind, writer.FdMode, writer.WaitsOn));
        Assert.True(socket.SendQueueBytes > 0);
        SocketInfo peerSocket = result.Snapshot.FindSocket(socket.Peer!)!;
        Assert.Contains(peerSocket.Holders, h => h.Pid == peer.Pid);
        Assert.Equal(("io", "read"), (health.WaitKind, health.FdMode));

        // The edges: the netpoller's word is observed; the receiver and the holder are inferred.
        WaitEdge send = Assert.Single(result.Analysis.Waits, e => e.Reason == WaitReasons.GoChanSend);
        Assert.Equal((broadcaster.Id, writer.Id, Certainty.Inferred), (send.From.Goroutine, send.To.Goroutine, send.Certainty));
        WaitEdge lockEdge = Assert.Single(result.Analysis.Waits, e => e.Reason == WaitReasons.GoLock);
        Assert.Equal((adder.Id, broadcaster.Id, Certainty.Inferred), (lockEdge.From.Goroutine, lockEdge.To.Goroutine, lockEdge.Certainty));
        WaitEdge write = Assert.Single(result.Analysis.Waits, e => e.Reason == WaitReasons.SendFullSocket);
        Assert.Equal((writer.Id, peer.Pid, Certainty.Observed, writer.Fd), (write.From.Goroutine, write.To.Pid, write.Certainty, write.Fd));
        Assert.DoesNotContain(result.Analysis.Waits, e => e.From.Goroutine == health.Id);

        // One sentence naming the whole chain, then the verdict.
        Finding chain = Assert.Single(result.Analysis.Findings);
        Assert.Equal(Verdict.Stalled, result.Analysis.Verdict);
        string summary = chain.Summary;
        _output.WriteLine(summary);
        Assert.Contains($"goroutine {broadcaster.Id} (main.(*room).broadcast, go-broadcaster.go:{SourceMarkers.Line(source, "broadcast-send")}) holds the read lock of sync.RWMutex", summary);
        Assert.Contains($"blocks sending on {channel.Id} (chan []uint8, 10/10 full)", summary);
        Assert.Contains($"the channel's receiver, goroutine {writer.Id} (main.(*member).writer, go-broadcaster.go:{SourceMarkers.Line(source, "writer-write")}, in net.(", summary);
        Assert.Contains($"is blocked writing fd {writer.Fd} ({socket.Local} -> {socket.Remote}, {socket.Id}, Send-Q", summary);
        Assert.Contains($"the peer, {Path.GetFileName(peer.Cmdline[0])} {peer.Pid} fd {peerSocket.Holders.First(h => h.Pid == peer.Pid).Fd} ({peerSocket.Id}, Recv-Q", summary);
        Assert.Contains($"main.peer (go-broadcaster.go:{SourceMarkers.Line(source, "peer-sleep")}, goroutine 1)", summary);
        Assert.Contains($"1 goroutine waits for the lock: goroutine 1 (main.(*room).add, go-broadcaster.go:{SourceMarkers.Line(source, "add-lock")}, in sync.(*RWMutex).Lock)", summary);
        Assert.Contains("Never block while holding the lock", chain.Hint);
    }

    [Theory(Timeout = 240_000)]
    [MemberData(nameof(Toolchains))]
    public async Task TwoGoroutinesTakingTwoMutexesInOppositeOrderAreALockCycle(string toolchain)
    {
        (int pid, string source, AuditResult result) = await AuditHung("go-transfer-lock-order.go", toolchain, r => r.Analysis.Cycles.Length > 0);

        Cycle cycle = Assert.Single(result.Analysis.Cycles);
        Assert.Equal("lock-order-inversion", cycle.Pattern);
        Assert.Equal(Verdict.Deadlock, result.Analysis.Verdict);
        ProcessInfo process = result.Snapshot.FindProcess(pid)!;
        List<GoroutineInfo> transfers = process.Goroutines.Where(g => g.Frames.Any(f => f.Function == "main.transfer")).ToList();
        Assert.Equal(2, transfers.Count);
        Assert.Equal(transfers.Select(g => g.Id).Order(), cycle.Members.Select(m => m.Goroutine!.Value).Order());
        Assert.All(cycle.Waits, e => Assert.Equal((WaitReasons.GoLock, Certainty.Inferred), (e.Reason, e.Certainty)));
        Assert.Equal(2, process.GoLocks.Length);
        foreach (GoLockInfo l in process.GoLocks)
        {
            // Each lock: one waiter, and the other goroutine's pending deferred Unlock captured it.
            long waiter = Assert.Single(l.Waiters);
            GoReferenceInfo holder = Assert.Single(l.PendingUnlocks);
            Assert.NotEqual(waiter, holder.Goroutine);
            Assert.Equal(ToolchainAtLeast(toolchain, 22) ? "main.transfer.deferwrap1 (sync.(*Mutex).Unlock)" : "main.transfer.func1 (sync.(*Mutex).Unlock)", holder.Detail);
        }

        int line = SourceMarkers.Line(source, "transfer-lock");
        _output.WriteLine(cycle.Summary);
        Assert.Contains($"goroutine {transfers[0].Id} (main.transfer, go-transfer-lock-order.go:{line}, in sync.(*Mutex).Lock)", cycle.Summary);
        Assert.Contains($"goroutine {transfers[1].Id} (main.transfer, go-transfer-lock-order.go:{line}, in sync.(*Mutex).Lock)", cycle.Summary);
        Assert.Contains("take the same locks in opposite order", cycle.Summary);
    }

    [Theory(Timeout = 240_000)]
    [InlineData("", false)]
    [InlineData("", true)]
    [InlineData("1.21", false)]
    [InlineData("1.22", false)]
    [InlineData("1.23", false)]
    public async Task PackageLevelMutexHeldAcrossASendNobodyReceivesIsFoundThroughTheDeferredUnlock(string toolchain, bool stripped)
    {
        (int pid, string source, AuditResult result) = await AuditHung("go-global-lock.go", toolchain, r => r.Analysis.Findings.Any(f => f.Kind == "lock-held-across-blocking-send"), stripped);

        ProcessInfo process = result.Snapshot.FindProcess(pid)!;
        GoroutineInfo publisher = InFunction(process, "main.publish");
        GoroutineInfo auditor = InFunction(process, "main.audit");
        GoLockInfo mu = Assert.Single(process.GoLocks);
        // The deferred closure captures nothing: the global's address is in its code, and that is what is matched.
        Assert.Equal(publisher.Id, Assert.Single(mu.PendingUnlocks).Goroutine);
        Assert.Equal(stripped ? null : "main.mu", mu.Symbol);

        Finding finding = Assert.Single(result.Analysis.Findings);
        Assert.Equal(mu.Id, finding.Object);
        _output.WriteLine(finding.Summary);
        Assert.Contains($"goroutine {publisher.Id} (main.publish, go-global-lock.go:{SourceMarkers.Line(source, "publish-send")}) holds the lock on sync.Mutex {(stripped ? "" : "main.mu (")}0x", finding.Summary);
        Assert.Contains($"blocks sending on {publisher.WaitsOn} (chan string, unbuffered), and no goroutine can be seen that would receive from it", finding.Summary);
        Assert.Contains($"1 goroutine waits for the lock: goroutine {auditor.Id} (main.audit, go-global-lock.go:{SourceMarkers.Line(source, "audit-lock")}", finding.Summary);
    }

    [Theory(Timeout = 240_000)]
    [MemberData(nameof(Toolchains))]
    public async Task ChannelsNobodyElseHoldsAreSendsAndReceivesThatNeverComplete(string toolchain)
    {
        (int pid, string source, AuditResult result) = await AuditHung("go-channel-orphans.go", toolchain, r => r.Analysis.Findings.Length == 2);

        ProcessInfo process = result.Snapshot.FindProcess(pid)!;
        GoroutineInfo producer = InFunction(process, "main.produce");
        GoroutineInfo consumer = InFunction(process, "main.consume");
        Finding send = Assert.Single(result.Analysis.Findings, f => f.Kind == "chan-send-no-receiver");
        Finding recv = Assert.Single(result.Analysis.Findings, f => f.Kind == "chan-recv-no-sender");
        Assert.Equal(producer.WaitsOn, send.Object);
        Assert.Equal(consumer.WaitsOn, recv.Object);
        Assert.Contains($"goroutine {producer.Id} (main.produce, go-channel-orphans.go:{SourceMarkers.Line(source, "orphan-send")}) blocks sending on {producer.WaitsOn} (chan int, unbuffered)", send.Summary);
        Assert.Contains($"goroutine {consumer.Id} (main.consume, go-channel-orphans.go:{SourceMarkers.Line(source, "orphan-recv")}) blocks receiving from {consumer.WaitsOn} (chan string, unbuffered)", recv.Summary);
        Assert.All(process.GoChannels, c => Assert.Empty(c.References));
        Assert.Equal(Verdict.Stalled, result.Analysis.Verdict);
    }

    [Theory(Timeout = 240_000)]
    [InlineData("")]
    [InlineData("1.23")]
    public async Task GoListStyleParentDecodingStdoutFirstIsAPipeOrderInversionWithTheDecoderFrameAsEvidence(string toolchain)
    {
        (int pid, string source, AuditResult result) = await AuditHung("go-list-decode.go", toolchain, r => r.Analysis.Cycles.Length > 0);

        Cycle cycle = Assert.Single(result.Analysis.Cycles);
        Assert.Equal("pipe-order-inversion", cycle.Pattern);
        ProcessInfo parent = result.Snapshot.FindProcess(pid)!;
        ProcessInfo child = Assert.Single(result.Snapshot.Processes, p => p.PPid == pid);
        GoroutineInfo decoding = Assert.Single(parent.Goroutines, g => g.Id == 1);
        Assert.Equal(("io", "read"), (decoding.WaitKind, decoding.FdMode));
        Assert.Contains(decoding.Frames, f => f.Function == "encoding/json.(*Decoder).Decode");

        // The parent's read is the goroutine's, observed from its poller entry; the child's write is its thread's.
        WaitEdge read = Assert.Single(cycle.Waits, e => e.Reason == WaitReasons.ReadEmptyPipe);
        Assert.Equal((pid, 1L, child.Pid, Certainty.Observed, decoding.Fd), (read.From.Pid, read.From.Goroutine!.Value, read.To.Pid, read.Certainty, read.Fd));
        WaitEdge write = Assert.Single(cycle.Waits, e => e.Reason == WaitReasons.WriteFullPipe);
        Assert.Equal((child.Pid, pid, 2), (write.From.Pid, write.To.Pid, write.Fd));
        _output.WriteLine(cycle.Summary);
        Assert.Contains($"goroutine 1 (main.main, go-list-decode.go:{SourceMarkers.Line(source, "parent-decode")}, in encoding/json.(*Decoder).Decode) reads stdout (fd {decoding.Fd}, {read.Object}, empty) until EOF", cycle.Summary);
        Assert.Contains($"blocks writing stderr (fd 2, {write.Object}, 65536/65536 bytes full)", cycle.Summary);
    }

    [Theory(Timeout = 240_000)]
    [InlineData("")]
    [InlineData("1.23")]
    public async Task ParentWaitingForTheChildBeforeReadingItsStdoutNamesTheGoroutinesInTheirSystemCalls(string toolchain)
    {
        (int pid, string source, AuditResult result) = await AuditHung("go-wait-before-read.go", toolchain, r => r.Analysis.Cycles.Length > 0);

        Cycle cycle = Assert.Single(result.Analysis.Cycles);
        Assert.Equal("wait-before-drain", cycle.Pattern);
        ProcessInfo parent = result.Snapshot.FindProcess(pid)!;
        GoroutineInfo waiting = Assert.Single(parent.Goroutines, g => g.Id == 1);
        WaitEdge wait = Assert.Single(cycle.Waits, e => e.Reason == WaitReasons.WaitChildExit);
        // The kernel edge is the thread's; the goroutine in that system call is found through its M's thread id.
        Assert.Equal(("syscall", wait.From.Tid), (waiting.State, waiting.ThreadId));
        _output.WriteLine(cycle.Summary);
        Assert.StartsWith($"{Path.GetFileName(parent.Cmdline[0])} {parent.Pid} goroutine 1 (main.main, go-wait-before-read.go:{SourceMarkers.Line(source, "parent-wait")}, in os/exec.(*Cmd).Wait) waits for its child", cycle.Summary);
    }

    [Fact(Timeout = 240_000)]
    public async Task HealthyWorkerPoolUnderLoadIsNotFlagged()
    {
        using GoProcess target = GoProcess.Start(GoPrograms.Build("go-worker-pool.go"));
        await Task.Delay(TimeSpan.FromSeconds(1));
        for (int i = 0; i < 5; i++)
        {
            AuditResult result = Audit(target.Pid);
            ProcessInfo process = result.Snapshot.FindProcess(target.Pid)!;
            Assert.Contains("goroutines", process.RuntimeViews);
            Assert.True(process.Goroutines.Count(g => g.Frames.Any(f => f.Function == "main.worker")) == 8 || process.Goroutines.Any(g => g.State == "running"));
            Assert.Empty(result.Analysis.Cycles);
            Assert.Empty(result.Analysis.Findings);
            Assert.DoesNotContain(result.Analysis.Waits, e => e.Reason is WaitReasons.GoChanSend or WaitReasons.GoChanRecv);
            Assert.Equal(Verdict.Running, result.Analysis.Verdict);
        }
    }

    [Theory(Timeout = 240_000)]
    [MemberData(nameof(Toolchains))]
    public async Task OutputOfACommandThatLeftABackgroundProcessIsALeakedWriteEndOnBothStreams(string toolchain)
    {
        // Before: the right edges, the sleep listed as outside the tree, and the verdict "running".
        (int pid, string source, AuditResult result) = await AuditHung("go-output-background.go", toolchain,
            r => r.Analysis.Findings.Count(f => f.Kind == "leaked-write-end") == 2);

        Assert.Equal(Verdict.Stalled, result.Analysis.Verdict);
        ProcessInfo sleep = Assert.Single(result.Snapshot.Processes, p => p.Name == "sleep");
        Assert.False(sleep.InTree);
        string stdout = result.Snapshot.Pipes.Single(p => p.Holders.Contains(new Holder(sleep.Pid, 1, "writer"))).Id;
        string stderr = result.Snapshot.Pipes.Single(p => p.Holders.Contains(new Holder(sleep.Pid, 2, "writer"))).Id;
        foreach ((string pipe, string stream, int fd) in new[] { (stdout, "stdout", 1), (stderr, "stderr", 2) })
        {
            Finding f = Assert.Single(result.Analysis.Findings, x => x.Object == pipe);
            Assert.Equal(("leaked-write-end", Certainty.Observed), (f.Kind, f.Certainty));
            Assert.Equal(new[] { sleep.Pid, pid }, f.Pids);
            WaitEdge edge = Assert.Single(f.Waits);
            GoroutineInfo reader = Assert.Single(result.Snapshot.FindProcess(pid)!.Goroutines, g => g.Id == edge.From.Goroutine);
            Assert.Equal(("IO wait", "read"), (reader.WaitReason, reader.FdMode));
            Assert.Contains($" goroutine {reader.Id} (", f.Summary);
            Assert.Contains($" waits for EOF on {stream} (fd {reader.Fd}, {pipe}, empty), but sleep {sleep.Pid} (`sleep 600`), an orphan (its parent is now pid 1) outside the audited tree, still holds its write end as fd {fd}, so EOF never comes.", f.Summary);
        }
        // The main goroutine is where the program's own line waits.
        GoroutineInfo main = Assert.Single(result.Snapshot.FindProcess(pid)!.Goroutines, g => g.Id == 1);
        Assert.Contains(main.Frames, f => f.Function == "main.main" && f.Line == SourceMarkers.Line(source, "output"));
    }

    [Fact(Timeout = 120_000)]
    public async Task OutputOfACommandThatLeftABackgroundProcessIsFoundWithoutTheGoroutinesToo()
    {
        // --no-runtime: the netpoller's epoll set says which read ends the parked process waits on; inferred, and it says so.
        using GoProcess target = GoProcess.Start(GoPrograms.Build("go-output-background.go"));
        Auditor kernelOnly = new(new AuditOptions { Interval = TimeSpan.FromMilliseconds(300) });
        Stopwatch clock = Stopwatch.StartNew();
        AuditResult result;
        do
        {
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            result = kernelOnly.Audit(target.Pid);
        }
        while (result.Analysis.Findings.Length < 2 && clock.Elapsed < s_formTimeout);

        Assert.Equal(Verdict.Stalled, result.Analysis.Verdict);
        Assert.Equal(2, result.Analysis.Findings.Length);
        Assert.All(result.Analysis.Findings, f =>
        {
            Assert.Equal(("leaked-write-end", Certainty.Inferred), (f.Kind, f.Certainty));
            Assert.Contains("(inferred: every thread is parked in epoll/futex; epoll fd ", f.Summary);
            Assert.Contains("whose writer ", f.Summary);
            Assert.Contains(" sleeps).", f.Summary);
        });
    }

    /// <summary>Every toolchain the tests build with, as theory data.</summary>
    public static TheoryData<string> Toolchains => new(GoPrograms.Toolchains);

    /// <summary>"" is the machine's go (1.19 here): compare by the version it reports.</summary>
    private static bool ToolchainAtLeast(string toolchain, int minor)
    {
        string version = GoPrograms.Version(toolchain);
        int at = version.IndexOf("go1.", StringComparison.Ordinal) + 4;
        int end = at;
        while (end < version.Length && char.IsAsciiDigit(version[end]))
        {
            end++;
        }
        return int.Parse(version[at..end], System.Globalization.CultureInfo.InvariantCulture) >= minor;
    }

    private static GoroutineInfo InFunction(ProcessInfo process, string function) =>
        Assert.Single(process.Goroutines, g => g.Frames.Any(f => f.Function == function));

    private static AuditResult Audit(int pid)
    {
        Auditor auditor = new Auditor(new AuditOptions
        {
            Interval = TimeSpan.FromMilliseconds(300),
            Enrichers = [new GoEnricher()],
            EnricherBudget = TimeSpan.FromSeconds(10),
        });
        return auditor.Audit(pid);
    }

    /// <summary>Builds and starts <paramref name="program"/>, audits it until its hang has formed, stops it: the audit is what the test reads.</summary>
    private async Task<Hang> AuditHung(string program, string toolchain, Func<AuditResult, bool> formed, bool stripped = false)
    {
        using GoProcess target = GoProcess.Start(stripped ? GoPrograms.BuildStripped(program, toolchain) : GoPrograms.Build(program, toolchain));
        return new Hang(target.Pid, GoPrograms.Source(program), await AuditUntil(target.Pid, formed));
    }

    private sealed record Hang(int Pid, string Source, AuditResult Result);

    /// <summary>Audits until the hang has formed (the programs need a moment to get stuck), then returns that audit.</summary>
    private async Task<AuditResult> AuditUntil(int pid, Func<AuditResult, bool> formed)
    {
        Stopwatch clock = Stopwatch.StartNew();
        AuditResult result;
        do
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            result = Audit(pid);
        }
        while (!formed(result) && clock.Elapsed < s_formTimeout);
        TextReport.Write(ReportBuilder.Build(result), new StringWriterOutput(_output));
        Assert.True(formed(result), $"the hang did not form in {s_formTimeout}: {result.Analysis.Verdict}");
        return result;
    }

    /// <summary>The text report into the test's output, for a person reading a failure.</summary>
    private sealed class StringWriterOutput(ITestOutputHelper output) : StringWriter
    {
        public override void Flush() => output.WriteLine(ToString());

        protected override void Dispose(bool disposing)
        {
            Flush();
            base.Dispose(disposing);
        }
    }
}
