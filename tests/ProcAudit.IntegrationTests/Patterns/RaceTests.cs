using ProcAudit.Analysis;
using ProcAudit.Capture;
using ProcAudit.Capture.Procfs;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>Trees that change under the audit: it completes, with notes at most, and never throws.</summary>
public sealed class RaceTests
{
    [Fact]
    public void A_tree_that_forks_and_exits_children_all_the_time_is_audited_without_error()
    {
        // Hundreds of short-lived children a second: every /proc read may find its process gone.
        using Scenario tree = Scenario.StartShell("while :; do /bin/true & /bin/true & wait; done");
        Workload.WaitUntilStarted(tree, "the forking loop", () => tree.Descendants().Count > 0);
        for (int i = 0; i < 10; i++)
        {
            AuditResult result = new Auditor(new AuditOptions { Interval = TimeSpan.FromMilliseconds(50) }).Audit(tree.Pid);
            Assert.Equal(tree.Pid, result.Snapshot.Root);
            Assert.NotEqual(Verdict.Deadlock, result.Analysis.Verdict);
            Assert.Empty(result.Analysis.Findings);
        }
    }

    [Fact]
    public void A_root_that_exits_between_the_two_samples_is_exited()
    {
        // The root never exits by itself; the test kills it at the first read after the interval's pause, so it
        // is alive for the first sample and dead for the second, however slow the machine is.
        TimeSpan interval = TimeSpan.FromSeconds(1);
        using Scenario tree = Scenario.StartProgram("/bin/sleep", "600");
        Workload.WaitUntilStarted(tree, "sleep", () => ProcStat.Read(tree.Pid)?.Comm == "sleep");
        KillAfterPause killer = new KillAfterPause(tree, interval);

        AuditResult result = new Auditor(new AuditOptions { Interval = interval }, new LivePipeProbe(), killer).Audit(tree.Pid);

        Assert.True(killer.Killed, "the audit never paused for its interval");
        Assert.True(result.Snapshot.RootExited);
        Assert.Equal(Verdict.Exited, result.Analysis.Verdict);
    }

    /// <summary>
    /// Sees every /proc read of the audit (the hook fixtures are recorded through) and, at the first read after a
    /// pause as long as the interval, kills the tree and waits until its root is dead before the read returns.
    /// </summary>
    private sealed class KillAfterPause(Scenario tree, TimeSpan pause) : IProcfsRecorder
    {
        private readonly object _gate = new();
        private readonly System.Diagnostics.Stopwatch _sinceLastRead = new();

        public bool Killed { get; private set; }

        public void RecordFile(string relative, byte[] content) => Seen();

        public void RecordLink(string relative, string target) => Seen();

        private void Seen()
        {
            lock (_gate)
            {
                // Not at the first read: before it, the clock measures the test, not the audit.
                if (!Killed && _sinceLastRead.IsRunning && _sinceLastRead.Elapsed >= pause)
                {
                    tree.Dispose();
                    Killed = true;
                }

                _sinceLastRead.Restart();
            }
        }
    }
}
