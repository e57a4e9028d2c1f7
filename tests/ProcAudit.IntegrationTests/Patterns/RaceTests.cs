using ProcAudit.Analysis;
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
        Thread.Sleep(300);
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
        using Scenario tree = Scenario.StartProgram("/bin/sleep", "0.3");
        AuditResult result = new Auditor(new AuditOptions { Interval = TimeSpan.FromSeconds(1) }).Audit(tree.Pid);
        Assert.True(result.Snapshot.RootExited);
        Assert.Equal(Verdict.Exited, result.Analysis.Verdict);
    }
}
