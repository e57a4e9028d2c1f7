using ProcAudit.Analysis;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>The parent drains stdout to EOF while the child fills stderr: the `go list -json all` hang.</summary>
public sealed class PipeOrderInversionTests
{
    internal const string PythonParent = """
        import subprocess, sys
        child = "import sys; sys.stderr.write('e' * 200000); sys.stderr.flush(); sys.stdout.write('x')"
        p = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out = p.stdout.read()
        err = p.stderr.read()
        p.wait()
        """;

    [Fact]
    public void Python_parent_reading_stdout_before_stderr_is_a_pipe_order_inversion()
    {
        string python = Executables.FindOnPath("python3") ?? throw new InvalidOperationException("python3 is needed for this test and is not on PATH");
        using Scenario tree = Scenario.StartProgram(python, "-c", PythonParent);

        AuditResult result = Audits.UntilVerdict(tree.Pid, Verdict.Deadlock);

        AssertInversion(result, tree.Pid, childBlockedFd: 2);
    }

    [Fact]
    public void Dotnet_parent_calling_ReadToEnd_on_stdout_first_is_a_pipe_order_inversion()
    {
        using Scenario tree = Scenario.StartScenarioVerb("pipe-inversion");

        AuditResult result = Audits.UntilVerdict(tree.Pid, Verdict.Deadlock);

        // A .NET child writes stderr through a dup of fd 2, not fd 2 itself.
        AssertInversion(result, tree.Pid, childBlockedFd: null);
    }

    private static void AssertInversion(AuditResult result, int parent, int? childBlockedFd)
    {
        Snapshot s = result.Snapshot;
        Assert.Equal(Verdict.Deadlock, result.Analysis.Verdict);
        ProcessInfo child = Audits.Child(s, parent);
        string stdout = Audits.PipeOf(s, child.Pid, 1);
        string stderr = Audits.PipeOf(s, child.Pid, 2);

        Cycle cycle = Assert.Single(result.Analysis.Cycles);
        Assert.Equal("pipe-order-inversion", cycle.Pattern);
        Assert.Equal(new[] { parent, child.Pid }, cycle.Members.Select(m => m.Pid).Order());

        WaitEdge read = Assert.Single(cycle.Waits, e => e.Reason == WaitReasons.ReadEmptyPipe);
        Assert.Equal((parent, parent, child.Pid, stdout, Certainty.Observed), (read.From.Pid, read.From.Tid, read.To.Pid, read.Object, read.Certainty));
        WaitEdge write = Assert.Single(cycle.Waits, e => e.Reason == WaitReasons.WriteFullPipe);
        Assert.Equal((child.Pid, child.Pid, parent, stderr, Certainty.Observed), (write.From.Pid, write.From.Tid, write.To.Pid, write.Object, write.Certainty));
        if (childBlockedFd is int fd)
        {
            Assert.Equal(fd, write.Fd);
        }
        else
        {
            Assert.Equal(stderr, child.FindFd(write.Fd!.Value)!.Target);
        }

        PipeInfo full = s.FindPipe(stderr)!;
        Assert.Equal(65536, full.CapacityBytes);
        Assert.Equal(65536, full.QueuedBytes);
        Assert.Equal(0, s.FindPipe(stdout)!.QueuedBytes);
        Assert.Contains(stderr, result.Analysis.FullPipes);

        Assert.Contains($"{parent} reads stdout", cycle.Summary);
        Assert.Contains($"{child.Pid} blocks writing stderr", cycle.Summary);
        Assert.Contains("65536/65536 bytes full", cycle.Summary);
        Assert.Contains("concurrently", cycle.Hint);
    }
}
