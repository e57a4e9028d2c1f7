using ProcAudit.Analysis;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>The parent waits for the child's exit before reading its stdout, which the child has filled.</summary>
public sealed class WaitBeforeDrainTests
{
    private const string PythonParent = """
        import subprocess, sys
        child = "import sys; sys.stdout.write('o' * 200000); sys.stdout.flush()"
        p = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE)
        p.wait()
        p.stdout.read()
        """;

    [Fact]
    public void Python_parent_blocked_in_waitpid_is_a_wait_before_drain()
    {
        string python = Executables.FindOnPath("python3") ?? throw new InvalidOperationException("python3 is needed for this test and is not on PATH");
        using Scenario tree = Scenario.StartProgram(python, "-c", PythonParent);

        AuditResult result = Audits.UntilVerdict(tree.Pid, Verdict.Deadlock);

        Snapshot s = result.Snapshot;
        ProcessInfo child = Audits.Child(s, tree.Pid);
        string stdout = Audits.PipeOf(s, child.Pid, 1);
        Cycle cycle = Assert.Single(result.Analysis.Cycles);
        Assert.Equal("wait-before-drain", cycle.Pattern);

        WaitEdge wait = Assert.Single(cycle.Waits, e => e.Reason == WaitReasons.WaitChildExit);
        Assert.Equal((tree.Pid, child.Pid, Certainty.Observed), (wait.From.Pid, wait.To.Pid, wait.Certainty));
        Assert.Equal("wait4", s.FindProcess(tree.Pid)!.Threads.Single(t => t.Tid == wait.From.Tid).Syscall!.Name);

        WaitEdge write = Assert.Single(cycle.Waits, e => e.Reason == WaitReasons.WriteFullPipe);
        Assert.Equal((child.Pid, tree.Pid, stdout, 1), (write.From.Pid, write.To.Pid, write.Object, write.Fd));
        Assert.Equal(65536, s.FindPipe(stdout)!.QueuedBytes);
        Assert.Contains($"{tree.Pid} waits for its child python3 {child.Pid} to exit before reading its stdout", cycle.Summary);
        Assert.Contains("65536/65536 bytes full", cycle.Summary);
    }

    [Fact]
    public void Dotnet_parent_in_WaitForExit_is_reported_as_a_reader_not_reading()
    {
        // .NET waits for children on a futex, not in wait4: the kernel cannot show the wait, so
        // without the managed stack this is a stall whose reader is the parent, not a cycle.
        using Scenario tree = Scenario.StartScenarioVerb("wait-before-drain");

        AuditResult result = Audits.UntilVerdict(tree.Pid, Verdict.Stalled);

        Snapshot s = result.Snapshot;
        Assert.Equal(Verdict.Stalled, result.Analysis.Verdict);
        ProcessInfo child = Audits.Child(s, tree.Pid);
        string stdout = Audits.PipeOf(s, child.Pid, 1);
        Finding finding = Assert.Single(result.Analysis.Findings);
        Assert.Equal("reader-not-reading", finding.Kind);
        Assert.Equal(stdout, finding.Object);
        Assert.Equal(new[] { tree.Pid, child.Pid }, finding.Pids);
        Assert.Contains("futex", finding.Summary);
        Assert.Contains("before waiting for the child to exit", finding.Hint);
        Assert.Empty(result.Analysis.Cycles);
    }
}
