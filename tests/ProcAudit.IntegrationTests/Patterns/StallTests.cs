using ProcAudit.Analysis;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>Blocked with no cycle: an EOF that cannot come, and a reader that never reads.</summary>
public sealed class StallTests
{
    [Fact]
    public void Command_substitution_with_a_background_grandchild_is_a_leaked_write_end_held_outside_the_tree()
    {
        // bash reads the substitution's pipe to EOF; sh echoes and exits, but the orphaned sleep it
        // started still holds the write end, and it is no longer in bash's tree.
        using Scenario tree = Scenario.StartProgram("/bin/bash", "-c", "x=$(sh -c 'sleep 600 & echo hi'); echo \"$x\"");

        AuditResult result = Audits.Until(tree.Pid, r => r.Analysis.Findings.Any(f => f.Kind == "leaked-write-end"));

        Snapshot s = result.Snapshot;
        Assert.Equal(Verdict.Stalled, result.Analysis.Verdict);
        ProcessInfo sleep = Assert.Single(s.Processes, p => p.Name == "sleep");
        Assert.False(sleep.InTree);
        Assert.NotEqual(tree.Pid, sleep.PPid);
        string pipe = Audits.PipeOf(s, sleep.Pid, 1);
        Assert.Equal(pipe, s.FindProcess(tree.Pid)!.Threads[0].Syscall!.Object);

        Finding finding = Assert.Single(result.Analysis.Findings);
        Assert.Equal("leaked-write-end", finding.Kind);
        Assert.Equal(pipe, finding.Object);
        Assert.Equal(new[] { sleep.Pid, tree.Pid }, finding.Pids);
        Assert.Contains($"sleep {sleep.Pid} (`sleep 600`)", finding.Summary);
        Assert.Contains("outside the audited tree, still holds its write end as fd 1", finding.Summary);

        WaitEdge edge = Assert.Single(result.Analysis.Waits, e => e.From.Pid == tree.Pid);
        Assert.Equal((sleep.Pid, WaitReasons.ReadEmptyPipe, Certainty.Observed), (edge.To.Pid, edge.Reason, edge.Certainty));
        Assert.True(s.FindPipe(pipe)!.HoldersComplete);
        Assert.Empty(result.Analysis.Cycles);
    }

    [Fact]
    public void Yes_into_sleep_is_stalled_on_a_reader_that_never_reads()
    {
        using Scenario tree = Scenario.StartShell("yes | sleep 600");

        AuditResult result = Audits.UntilVerdict(tree.Pid, Verdict.Stalled);

        Snapshot s = result.Snapshot;
        Assert.Equal(Verdict.Stalled, result.Analysis.Verdict);
        ProcessInfo yes = Audits.Child(s, tree.Pid, "yes");
        ProcessInfo sleep = Audits.Child(s, tree.Pid, "sleep");
        string pipe = Audits.PipeOf(s, yes.Pid, 1);
        Assert.Equal(pipe, Audits.PipeOf(s, sleep.Pid, 0));

        Finding finding = Assert.Single(result.Analysis.Findings);
        Assert.Equal("reader-not-reading", finding.Kind);
        Assert.Equal(new[] { sleep.Pid, yes.Pid }, finding.Pids);
        Assert.Equal(pipe, finding.Object);
        Assert.Contains("sleeps in clock_nanosleep", finding.Summary);

        WaitEdge write = Assert.Single(result.Analysis.Waits, e => e.Reason == WaitReasons.WriteFullPipe);
        Assert.Equal((yes.Pid, sleep.Pid, pipe, 1, Certainty.Observed), (write.From.Pid, write.To.Pid, write.Object, write.Fd, write.Certainty));
        Assert.Contains(pipe, result.Analysis.FullPipes);
        Assert.Equal(65536, s.FindPipe(pipe)!.CapacityBytes);
        Assert.Empty(result.Analysis.Cycles);
    }
}
