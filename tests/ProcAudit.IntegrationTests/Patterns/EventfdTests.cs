using ProcAudit.Analysis;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>
/// eventfd counters shared across fork (the way a parent and a worker hand each other "ready" and
/// "go" without a pipe): a read on one whose count is 0 waits for the other holders, and can close
/// a cycle with a pipe. A counter one process keeps to itself, or one the other side writes on a
/// timer, must not read as a hang.
/// </summary>
public sealed class EventfdTests
{
    // The parent waits for the worker's "ready" before it sends "go"; the worker waits for "go" first.
    internal const string Handshake = """
        import os
        efd = os.eventfd(0)
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(w)
            os.read(r, 1)             # waits for go
            os.eventfd_write(efd, 1)  # then says ready
            os._exit(0)
        os.close(r)
        os.eventfd_read(efd)          # waits for ready before sending go
        os.write(w, b"x")
        os.waitpid(pid, 0)
        """;

    private static string Python() =>
        Executables.FindOnPath("python3") ?? throw new InvalidOperationException("python3 (3.10 or later, for os.eventfd) is needed for this test and is not on PATH");

    [Fact]
    public void A_handshake_in_the_wrong_order_over_an_eventfd_and_a_pipe_is_a_cycle()
    {
        using Scenario tree = Scenario.StartProgram(Python(), "-c", Handshake);

        AuditResult result = Audits.UntilVerdict(tree.Pid, Verdict.Deadlock);

        Snapshot s = result.Snapshot;
        Assert.Equal(Verdict.Deadlock, result.Analysis.Verdict);
        ProcessInfo child = Audits.Child(s, tree.Pid);
        EventfdInfo counter = Assert.Single(s.Eventfds);
        Assert.Equal(0UL, counter.Count);
        Assert.Equal(new[] { tree.Pid, child.Pid }, counter.Holders.Select(h => h.Pid).Order());
        int parentFd = counter.Holders.Single(h => h.Pid == tree.Pid).Fd!.Value;
        Assert.Equal(FdKind.Eventfd, s.FindProcess(tree.Pid)!.FindFd(parentFd)!.Kind);

        Cycle cycle = Assert.Single(result.Analysis.Cycles);
        Assert.Equal(new[] { tree.Pid, child.Pid }, cycle.Members.Select(m => m.Pid).Order());
        WaitEdge eventfd = Assert.Single(cycle.Waits, e => e.Reason == WaitReasons.ReadEmptyEventfd);
        Assert.Equal((tree.Pid, tree.Pid, child.Pid, counter.Id, parentFd, Certainty.Observed),
            (eventfd.From.Pid, eventfd.From.Tid, eventfd.To.Pid, eventfd.Object, eventfd.Fd, eventfd.Certainty));
        WaitEdge pipe = Assert.Single(cycle.Waits, e => e.Reason == WaitReasons.ReadEmptyPipe);
        Assert.Equal((child.Pid, tree.Pid), (pipe.From.Pid, pipe.To.Pid));
        Assert.Contains($"reads empty {counter.Id} written by", cycle.Summary, StringComparison.Ordinal);

        CliRun run = Infrastructure.Cli.Run(tree.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"Eventfds:\n  {counter.Id} count 0; held by python3 {tree.Pid} fd {parentFd}, python3 {child.Pid} fd ", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_worker_that_signals_on_a_timer_keeps_the_reader_from_being_stuck()
    {
        const string heartbeat = """
            import os, time
            efd = os.eventfd(0)
            if os.fork() == 0:
                while True:
                    time.sleep(0.3)
                    os.eventfd_write(efd, 1)
            while True:
                os.eventfd_read(efd)
            """;
        using Scenario tree = Scenario.StartProgram(Python(), "-c", heartbeat);
        Assert.True(Scenario.WaitUntil(() => tree.Descendants().Count == 1, TimeSpan.FromSeconds(10)));

        for (int i = 0; i < 4; i++)
        {
            AuditResult result = new Auditor(new AuditOptions { Interval = TimeSpan.FromMilliseconds(200) }).Audit(tree.Pid);
            Assert.Empty(result.Analysis.Cycles);
            Assert.DoesNotContain(result.Analysis.Verdict, new[] { Verdict.Deadlock, Verdict.Stalled, Verdict.Blocked });
        }
    }

    [Fact]
    public void A_counter_between_two_threads_of_one_process_is_that_process_own_wake_up()
    {
        const string threads = """
            import os, threading, time
            efd = os.eventfd(0)
            threading.Thread(target=lambda: os.eventfd_read(efd), daemon=True).start()
            time.sleep(600)
            """;
        using Scenario tree = Scenario.StartProgram(Python(), "-c", threads);

        AuditResult result = Audits.Until(tree.Pid, r => r.Snapshot.FindProcess(tree.Pid)?.Threads.Length == 2
            && r.Analysis.Ends.Any(e => e.Summary.Contains("on an eventfd", StringComparison.Ordinal)));

        Assert.Empty(result.Analysis.Waits.Where(e => e.Reason == WaitReasons.ReadEmptyEventfd));
        Assert.Empty(result.Snapshot.Eventfds.Single().Holders.Where(h => h.Pid != tree.Pid));
        // Only its own threads can write the counter; the other one sleeps, so the wait ends in that timer.
        WaitOutcome reader = Assert.Single(result.Analysis.Ends, e => e.Summary.Contains("on an eventfd", StringComparison.Ordinal));
        Assert.Equal(WaitEndKind.Timer, reader.End);
        Assert.Equal(Verdict.Idle, result.Analysis.Verdict);
    }
}
