using ProcAudit.Analysis;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>Busy trees whose threads block on pipes for an instant, all the time: they must come out running.</summary>
public sealed class HealthyTests
{
    [Fact]
    public void A_busy_shell_pipeline_is_running()
    {
        using Scenario tree = Scenario.StartShell("yes | gzip -1 | cat > /dev/null");

        // Data has gone all the way through: cat has read what gzip wrote.
        Workload.WaitUntilStarted(tree, "the pipeline", () =>
            tree.Descendants().Select(pid => (Pid: pid, ProcStat.Read(pid)?.Comm)).ToList() is var stages
            && stages.Select(s => s.Comm).Order().SequenceEqual(["cat", "gzip", "yes"])
            && Workload.Io(stages.Single(s => s.Comm == "cat").Pid, "rchar") > 0);

        // Several audits, not one: a healthy pipeline must never be called stuck.
        for (int i = 0; i < 3; i++)
        {
            AuditResult result = new Auditor().Audit(tree.Pid);
            Assert.Equal(Verdict.Running, result.Analysis.Verdict);
            Assert.Empty(result.Analysis.Cycles);
            Assert.Empty(result.Analysis.Findings);
            Assert.Equal(4, result.Snapshot.Processes.Count(p => p.InTree));
        }
    }

    [Fact]
    public void A_dotnet_parent_draining_both_streams_asynchronously_is_running()
    {
        using Scenario tree = Scenario.StartScenarioVerb("healthy");

        // More than both pipes hold has gone through them: the child chatters and the parent drains.
        const long MoreThanTwoFullPipes = 4 * 64 * 1024;
        Workload.WaitUntilStarted(tree, "the chatter child", () => tree.Descendants().Any(pid => Workload.Io(pid, "wchar") > MoreThanTwoFullPipes));

        for (int i = 0; i < 3; i++)
        {
            AuditResult result = new Auditor().Audit(tree.Pid);
            Assert.Equal(Verdict.Running, result.Analysis.Verdict);
            Assert.Empty(result.Analysis.Cycles);
            Assert.Empty(result.Analysis.Findings);
        }
    }

    [Fact]
    public void A_single_sample_still_calls_a_blocked_pipeline_stuck_but_says_so_in_the_interval()
    {
        using Scenario tree = Scenario.StartShell("yes | sleep 600");
        AuditResult result = Audits.Until(tree.Pid, r => r.Analysis.Verdict == Verdict.Stalled, interval: TimeSpan.Zero);
        Assert.Equal(Verdict.Stalled, result.Analysis.Verdict);
        Assert.Equal(0, result.Snapshot.IntervalMs);
        Assert.All(result.Snapshot.Processes.SelectMany(p => p.Threads), t => Assert.Null(t.Progress));
    }
}
