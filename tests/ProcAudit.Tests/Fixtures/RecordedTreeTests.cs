using ProcAudit.Analysis;
using ProcAudit.Capture;
using ProcAudit.Fixtures;
using ProcAudit.Reporting;
using Xunit.Abstractions;

namespace ProcAudit.Tests.Fixtures;

/// <summary>
/// Audits each tree recorded from a real hang (tools/record-fixtures.sh) again with FixtureTree and
/// checks the analysis. Pids and pipe ids come from fixture.json and the recorded files, so a
/// re-recording keeps these tests valid.
/// </summary>
public sealed class RecordedTreeTests
{
    private readonly ITestOutputHelper _output;

    public RecordedTreeTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public static TheoryData<string> AllFixtures { get; } = new()
    {
        RecordedFixtures.PipeOrderInversion,
        RecordedFixtures.WaitBeforeDrain,
        RecordedFixtures.LeakedWriteEnd,
        RecordedFixtures.ReaderNotReading,
        RecordedFixtures.HostileName,
        RecordedFixtures.ControlCharName,
        RecordedFixtures.KernelThread,
        RecordedFixtures.ZombieChild,
        RecordedFixtures.Epoll,
        RecordedFixtures.BusyLoop,
        RecordedFixtures.StoppedWriter,
        RecordedFixtures.SleepingParent,
    };

    [Fact]
    public void PipeOrderInversionIsADeadlockCycle()
    {
        string name = RecordedFixtures.PipeOrderInversion;
        int parent = RecordedFixtures.Root(name);
        int child = Assert.Single(RecordedFixtures.ChildrenOf(name, parent));
        // The child's stdout and stderr are the two pipes; the parent reads the one and the child fills the other.
        string stdout = RecordedFixtures.ReadLink(name, $"{child}/fd/1");
        string stderr = RecordedFixtures.ReadLink(name, $"{child}/fd/2");
        int parentStdoutFd = RecordedFixtures.FdOf(name, parent, stdout);

        AuditResult result = Audit(name);

        Assert.Equal(Verdict.Deadlock, result.Analysis.Verdict);
        Assert.Empty(result.Analysis.Findings);
        Cycle cycle = Assert.Single(result.Analysis.Cycles);
        Assert.Equal("pipe-order-inversion", cycle.Pattern);
        Assert.Equal(new[] { new WaitEnd(parent, parent), new WaitEnd(child, child) }, cycle.Members.OrderBy(m => m.Pid));
        Assert.Equal(2, cycle.Waits.Length);
        Assert.Contains(new WaitEdge(new WaitEnd(parent, parent), new WaitEnd(child), stdout, WaitReasons.ReadEmptyPipe, Certainty.Observed,
            $"thread {parent} is blocked in read({parentStdoutFd}) on {stdout}, which is empty", parentStdoutFd), cycle.Waits);
        Assert.Contains(new WaitEdge(new WaitEnd(child, child), new WaitEnd(parent), stderr, WaitReasons.WriteFullPipe, Certainty.Observed,
            $"thread {child} is blocked in write(2) on {stderr}, which has no room", 2), cycle.Waits);
        Assert.Contains($"python3 {parent} reads stdout (fd {parentStdoutFd}, {stdout}, empty)", cycle.Summary, StringComparison.Ordinal);
        Assert.Contains($"its child python3 {child} blocks writing stderr (fd 2, {stderr}, 65536/65536 bytes full)", cycle.Summary, StringComparison.Ordinal);
        Assert.Contains("a full 64 KiB pipe", cycle.Summary, StringComparison.Ordinal);
        Assert.Equal(new[] { stderr }, result.Analysis.FullPipes);
        AssertLevel(result, stdout, 0, 65536);
        AssertLevel(result, stderr, 65536, 65536);
    }

    [Fact]
    public void WaitBeforeDrainIsADeadlockCycle()
    {
        string name = RecordedFixtures.WaitBeforeDrain;
        int parent = RecordedFixtures.Root(name);
        int child = Assert.Single(RecordedFixtures.ChildrenOf(name, parent));
        string stdout = RecordedFixtures.ReadLink(name, $"{child}/fd/1");

        AuditResult result = Audit(name);

        Assert.Equal(Verdict.Deadlock, result.Analysis.Verdict);
        Assert.Empty(result.Analysis.Findings);
        Cycle cycle = Assert.Single(result.Analysis.Cycles);
        Assert.Equal("wait-before-drain", cycle.Pattern);
        Assert.Equal(new[] { new WaitEnd(parent, parent), new WaitEnd(child, child) }, cycle.Members.OrderBy(m => m.Pid));
        Assert.Contains(new WaitEdge(new WaitEnd(parent, parent), new WaitEnd(child), null, WaitReasons.WaitChildExit, Certainty.Observed,
            $"thread {parent} is blocked in wait4 for child {child}"), cycle.Waits);
        Assert.Contains(new WaitEdge(new WaitEnd(child, child), new WaitEnd(parent), stdout, WaitReasons.WriteFullPipe, Certainty.Observed,
            $"thread {child} is blocked in write(1) on {stdout}, which has no room", 1), cycle.Waits);
        Assert.Contains($"python3 {parent} waits for its child python3 {child} to exit before reading its stdout", cycle.Summary, StringComparison.Ordinal);
        Assert.Contains($"blocks writing stdout (fd 1, {stdout}, 65536/65536 bytes full)", cycle.Summary, StringComparison.Ordinal);
        Assert.Equal(new[] { stdout }, result.Analysis.FullPipes);
        AssertLevel(result, stdout, 65536, 65536);
    }

    [Fact]
    public void LeakedWriteEndNamesTheOrphanOutsideTheTree()
    {
        string name = RecordedFixtures.LeakedWriteEnd;
        int bash = RecordedFixtures.Root(name);
        int sleep = RecordedFixtures.PidByComm(name, "sleep");
        string pipe = RecordedFixtures.ReadLink(name, $"{sleep}/fd/1");
        int bashFd = RecordedFixtures.FdOf(name, bash, pipe);

        AuditResult result = Audit(name);

        Assert.Equal(Verdict.Stalled, result.Analysis.Verdict);
        Assert.Empty(result.Analysis.Cycles);
        ProcessInfo orphan = Assert.IsType<ProcessInfo>(result.Snapshot.FindProcess(sleep));
        Assert.False(orphan.InTree);
        // Re-parented to init when its parent sh exited; it is not a descendant of the audited bash.
        Assert.Equal(1, orphan.PPid);
        Assert.True(result.Snapshot.FindProcess(bash)!.InTree);
        Finding finding = Assert.Single(result.Analysis.Findings);
        Assert.Equal("leaked-write-end", finding.Kind);
        Assert.Equal(new[] { sleep, bash }, finding.Pids);
        Assert.Equal(pipe, finding.Object);
        Assert.Contains($"bash {bash} waits for EOF on stdout (fd {bashFd}, {pipe}, empty)", finding.Summary, StringComparison.Ordinal);
        Assert.Contains($"sleep {sleep} (`sleep 600`), an orphan (its parent is now pid 1) outside the audited tree, still holds its write end as fd 1", finding.Summary, StringComparison.Ordinal);
        PipeInfo info = Assert.IsType<PipeInfo>(result.Snapshot.FindPipe(pipe));
        Assert.True(info.HoldersComplete);
        Assert.Equal(new[] { new Holder(bash, bashFd, "reader"), new Holder(sleep, 1, "writer") }, info.Holders);
        AssertLevel(result, pipe, 0, 65536);
    }

    [Fact]
    public void ReaderNotReadingNamesYesAndSleep()
    {
        string name = RecordedFixtures.ReaderNotReading;
        int sh = RecordedFixtures.Root(name);
        int yes = RecordedFixtures.PidByComm(name, "yes");
        int sleep = RecordedFixtures.PidByComm(name, "sleep");
        string pipe = RecordedFixtures.ReadLink(name, $"{yes}/fd/1");
        Assert.Equal(pipe, RecordedFixtures.ReadLink(name, $"{sleep}/fd/0"));

        AuditResult result = Audit(name);

        Assert.Equal(Verdict.Stalled, result.Analysis.Verdict);
        Assert.Empty(result.Analysis.Cycles);
        Finding finding = Assert.Single(result.Analysis.Findings);
        Assert.Equal("reader-not-reading", finding.Kind);
        Assert.Equal(new[] { sleep, yes }, finding.Pids);
        Assert.Equal(pipe, finding.Object);
        Assert.Contains($"yes {yes} blocks writing stdout (fd 1, {pipe}, 65536/65536 bytes full)", finding.Summary, StringComparison.Ordinal);
        Assert.Contains($"sleep {sleep}", finding.Summary, StringComparison.Ordinal);
        Assert.Contains("does not read it", finding.Summary, StringComparison.Ordinal);
        Assert.Contains("sleeps in clock_nanosleep", finding.Summary, StringComparison.Ordinal);
        // The shell waits for both children, which is no cycle: neither waits for the shell.
        Assert.Contains(result.Analysis.Waits, e => e.From.Pid == sh && e.To.Pid == yes && e.Reason == WaitReasons.WaitChildExit);
        Assert.Contains(result.Analysis.Waits, e => e.From.Pid == sh && e.To.Pid == sleep && e.Reason == WaitReasons.WaitChildExit);
        Assert.Contains(result.Analysis.Waits, e => e.From.Pid == yes && e.To.Pid == sleep && e.Reason == WaitReasons.WriteFullPipe && e.Object == pipe);
        Assert.Equal(new[] { pipe }, result.Analysis.FullPipes);
        AssertLevel(result, pipe, 65536, 65536);
    }

    [Fact]
    public void HostileNameIsParsedAndEscapedInTheTextReport()
    {
        string name = RecordedFixtures.HostileName;
        int root = RecordedFixtures.Root(name);

        AuditResult result = Audit(name);

        ProcessInfo process = Assert.Single(result.Snapshot.Processes);
        Assert.Equal(root, process.Pid);
        Assert.Equal("a) b (c", process.Name);
        Assert.Equal("S", process.State);
        Assert.Equal(new[] { "a) b (c\ttab\nnewline\u001b[31mred", "600" }, process.Cmdline);
        Assert.Equal("clock_nanosleep", Assert.Single(process.Threads).Syscall?.Name);
        // A sleep ends by itself: idle, never running when nothing ran.
        Assert.Equal(Verdict.Idle, result.Analysis.Verdict);
        WaitOutcome end = Assert.Single(result.Analysis.Ends);
        Assert.Equal(WaitEndKind.Timer, end.End);
        Assert.Equal(new WaitEnd(root, root), end.Waiter);
        string text = TextOf(result);
        AssertNoRawControlCharacters(text);
        Assert.Contains($"{root} a) b (c [S] audited root: a) b (c\\ttab\\nnewline\\x1b[31mred 600", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ControlCharactersInCommAreEscapedInTheTextReport()
    {
        string name = RecordedFixtures.ControlCharName;
        int root = RecordedFixtures.Root(name);

        AuditResult result = Audit(name);

        ProcessInfo process = Assert.Single(result.Snapshot.Processes);
        Assert.Equal("x\ty\nz\u001b[7mw", process.Name);
        Assert.Equal("x\ty\nz\u001b[7mw", Assert.Single(process.Threads).Name);
        string text = TextOf(result);
        AssertNoRawControlCharacters(text);
        Assert.Contains($"the tree of x\\ty\\nz\\x1b[7mw {root}", text, StringComparison.Ordinal);
        Assert.Contains($"thread {root} x\\ty\\nz\\x1b[7mw [S] clock_nanosleep", text, StringComparison.Ordinal);
    }

    [Fact]
    public void KernelThreadsAreFlaggedAndHaveNoUserSide()
    {
        string name = RecordedFixtures.KernelThread;

        AuditResult result = Audit(name);

        Assert.Equal(2, result.Snapshot.Root);
        Assert.Equal("kthreadd", result.Snapshot.FindProcess(2)?.Name);
        Assert.Equal(RecordedFixtures.Pids(name), result.Snapshot.Processes.Select(p => p.Pid).Order());
        foreach (ProcessInfo p in result.Snapshot.Processes)
        {
            Assert.True(p.KernelThread, $"{p.Pid} {p.Name}");
            Assert.True(p.InTree);
            Assert.Empty(p.Cmdline);
            Assert.Empty(p.Threads);
            Assert.Empty(p.Fds);
            Assert.Null(p.Runtime);
        }
        // Kernel threads wait on nothing a user program holds: nothing to follow, nothing hung.
        Assert.Equal(Verdict.Idle, result.Analysis.Verdict);
        Assert.Empty(result.Analysis.Ends);
        Assert.Empty(result.Analysis.Waits);
        AssertNoRawControlCharacters(TextOf(result));
    }

    [Fact]
    public void ZombieChildIsNotWaitedFor()
    {
        string name = RecordedFixtures.ZombieChild;
        int root = RecordedFixtures.Root(name);
        int zombie = Assert.Single(RecordedFixtures.ChildrenOf(name, root));

        AuditResult result = Audit(name);

        ProcessInfo z = Assert.IsType<ProcessInfo>(result.Snapshot.FindProcess(zombie));
        Assert.Equal("Z", z.State);
        Assert.Equal("sh", z.Name);
        Assert.True(z.InTree);
        Assert.Empty(z.Cmdline);
        Assert.Empty(z.Fds);
        Assert.Null(z.Runtime);
        Assert.Null(Assert.Single(z.Threads).Syscall);
        Assert.Equal("sleep", result.Snapshot.FindProcess(root)?.Name);
        // The zombie waits on nothing; its parent sleeps.
        Assert.Equal(Verdict.Idle, result.Analysis.Verdict);
        WaitOutcome end = Assert.Single(result.Analysis.Ends);
        Assert.Equal((WaitEndKind.Timer, root), (end.End, end.Waiter.Pid));
        Assert.Empty(result.Analysis.Waits);
    }

    [Fact]
    public void EpollWatchOfOwnPipeIsCapturedButIsNoStall()
    {
        string name = RecordedFixtures.Epoll;
        int root = RecordedFixtures.Root(name);
        string pipe = RecordedFixtures.ReadLink(name, $"{root}/fd/3");

        AuditResult result = Audit(name);

        ProcessInfo process = Assert.Single(result.Snapshot.Processes);
        Assert.Equal("python", process.Runtime);
        FdInfo epoll = Assert.Single(process.Fds, f => f.Kind == FdKind.Eventpoll);
        Assert.Equal(5, epoll.Fd);
        Assert.Equal("readwrite", epoll.Access);
        Assert.Equal(new[] { 3 }, epoll.Watches);
        Assert.Equal("read", process.FindFd(3)?.Access);
        Assert.Equal("write", process.FindFd(4)?.Access);
        Assert.Equal(pipe, process.FindFd(4)?.Target);
        Assert.Equal("epoll_wait", Assert.Single(process.Threads).Syscall?.Name);
        // A pipe whose both ends the process holds itself, watched by its own poller: nothing to blame.
        // Only a signal handler could write a single-threaded process's own pipe: it waits for a signal.
        Assert.Equal(Verdict.Idle, result.Analysis.Verdict);
        WaitOutcome end = Assert.Single(result.Analysis.Ends);
        Assert.Equal(WaitEndKind.Outside, end.End);
        Assert.Contains($"waits for a signal (its own wake-up pipe {pipe})", end.Summary, StringComparison.Ordinal);
        Assert.Empty(result.Analysis.Findings);
        PipeInfo info = Assert.IsType<PipeInfo>(result.Snapshot.FindPipe(pipe));
        Assert.True(info.HoldersComplete);
        Assert.Equal(new[] { new Holder(root, 3, "reader"), new Holder(root, 4, "writer") }, info.Holders);
    }

    [Fact]
    public void BusyLoopIsRunning()
    {
        string name = RecordedFixtures.BusyLoop;

        AuditResult result = Audit(name);

        ProcessInfo process = Assert.Single(result.Snapshot.Processes);
        Assert.Equal("R", process.State);
        ThreadInfo thread = Assert.Single(process.Threads);
        Assert.Equal("R", thread.State);
        Assert.Null(thread.Syscall);
        Assert.Null(thread.Wchan);
        Assert.Equal(Verdict.Running, result.Analysis.Verdict);
        Assert.Contains("running", TextOf(result), StringComparison.Ordinal);
    }

    [Fact]
    public void A_reader_whose_writer_is_stopped_is_stalled_on_the_stopped_process_not_in_a_cycle()
    {
        // sh -c 'yes | cat > /dev/null', then SIGSTOP to yes: it still shows the write it was in.
        string name = RecordedFixtures.StoppedWriter;
        int root = RecordedFixtures.Root(name);

        AuditResult result = Audit(name);

        Assert.Equal(new[] { 9258, 9264, 9265 }, RecordedFixtures.Pids(name));
        ProcessInfo yes = result.Snapshot.FindProcess(9264)!;
        Assert.Equal(("yes", "T", "write"), (yes.Name, yes.State, yes.Threads[0].Syscall?.Name));
        Assert.Null(yes.TracerPid);
        Assert.Equal(Verdict.Stalled, result.Analysis.Verdict);
        Assert.Empty(result.Analysis.Cycles);
        Assert.DoesNotContain(result.Analysis.Waits, e => e.From.Pid == 9264);
        Finding f = Assert.Single(result.Analysis.Findings);
        Assert.Equal("stopped-process", f.Kind);
        Assert.Equal(new[] { 9264, 9265, root }, f.Pids);
        Assert.Equal("pipe:[38740]", f.Object);
        Assert.Equal(Certainty.Observed, f.Certainty);
        Assert.StartsWith("yes 9264 is stopped (state T: SIGSTOP, or Ctrl-Z / SIGTSTP", f.Summary, StringComparison.Ordinal);
        Assert.Contains("; cat 9265 reads stdout (fd 0, pipe:[38740], empty) from it (and 1 more wait leads here): nothing moves until it is resumed.", f.Summary, StringComparison.Ordinal);
        Assert.Contains("`kill -CONT 9264`", f.Hint, StringComparison.Ordinal);
        Assert.All(result.Analysis.Ends, e => Assert.Equal((WaitEndKind.Stopped, 9264), (e.End, e.At.Pid)));
    }

    [Fact]
    public void A_parent_waiting_for_a_sleeping_child_is_idle_and_says_the_sleep_ends_by_itself()
    {
        // bash -c 'sleep 600; echo done': the registers were recorded, the timespec they point at was not.
        string name = RecordedFixtures.SleepingParent;

        AuditResult result = Audit(name);

        Assert.Equal(Verdict.Idle, result.Analysis.Verdict);
        Assert.Empty(result.Analysis.Findings);
        Assert.Equal(2, result.Analysis.Ends.Length);
        Assert.All(result.Analysis.Ends, e => Assert.Equal((WaitEndKind.Timer, new WaitEnd(9310, 9310)), (e.End, e.At)));
        WaitOutcome parent = Assert.Single(result.Analysis.Ends, e => e.Waiter.Pid == 9304);
        WaitEdge wait = Assert.Single(parent.Chain);
        Assert.Equal((WaitReasons.WaitChildExit, 9310), (wait.Reason, wait.To.Pid));
        Assert.Equal("sleep 9310 sleeps for a time it was given (not readable here)", parent.Summary);
        Assert.Equal(new WaitTimer(null, Absolute: false, LeftSeconds: null), result.Snapshot.FindProcess(9310)!.Threads[0].Syscall!.Timer);
        string text = TextOf(result);
        Assert.StartsWith("IDLE: nothing in the tree of bash 9304 moved (single sample, so progress was not measured), and every wait ends in a timer or outside the tree: sleep 9310 sleeps", text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AllFixtures))]
    public void EveryRecordingAuditsCleanly(string name)
    {
        FixtureTree tree = RecordedFixtures.Load(name);

        AuditResult result = tree.Audit();

        Assert.Equal(tree.Root, result.Snapshot.Root);
        // Recorded as root: nothing was denied, and every pipe level was measured live and saved.
        Assert.Empty(result.Snapshot.Notes);
        Assert.DoesNotContain(result.Snapshot.Processes, p => p.Restricted);
        Assert.False(result.Snapshot.RootExited);
        foreach (PipeInfo pipe in result.Snapshot.Pipes)
        {
            Assert.NotNull(pipe.QueuedBytes);
            Assert.Equal(65536, pipe.CapacityBytes);
        }
        // Every recorded process directory is in the snapshot: the recorder kept only those.
        Assert.Equal(RecordedFixtures.Pids(name), result.Snapshot.Processes.Select(p => p.Pid).Order());
        AssertNoRawControlCharacters(TextOf(result));
    }

    private static AuditResult Audit(string name) => RecordedFixtures.Load(name).Audit();

    private string TextOf(AuditResult result)
    {
        StringWriter writer = new();
        TextReport.Write(ReportBuilder.Build(result), writer);
        string text = writer.ToString();
        // Shown when a test fails: the whole report says more than one assertion.
        _output.WriteLine(text);
        return text;
    }

    private static void AssertLevel(AuditResult result, string pipeId, long queued, long capacity)
    {
        PipeInfo pipe = Assert.IsType<PipeInfo>(result.Snapshot.FindPipe(pipeId));
        Assert.Equal(queued, pipe.QueuedBytes);
        Assert.Equal(capacity, pipe.CapacityBytes);
    }

    /// <summary>Line breaks are the report's own; any other C0/C1 control or DEL would reach the terminal raw.</summary>
    private static void AssertNoRawControlCharacters(string text)
    {
        string[] lines = text.Split(Environment.NewLine);
        for (int i = 0; i < lines.Length; i++)
        {
            foreach (char c in lines[i])
            {
                bool control = c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0);
                Assert.False(control, $"line {i + 1} holds raw U+{(int)c:X4}: {lines[i]}");
            }
        }
    }
}
