using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Cli;

/// <summary>Another user's tree: listed, with a note of what could not be read and what would allow it.</summary>
public sealed class PermissionTests
{
    [Fact]
    public void A_normal_user_auditing_roots_tree_gets_what_is_readable_and_a_note_not_an_error()
    {
        // The test needs two users: it runs as root (as CI here does) and audits as nobody.
        Assert.True(Environment.UserName == "root", "this test starts the audited tree as root and the audit as nobody; run the tests as root");
        string setpriv = Executables.FindOnPath("setpriv") ?? throw new InvalidOperationException("setpriv (util-linux) is needed and is not on PATH");
        using Scenario tree = Scenario.StartShell("yes | sleep 600");
        Assert.True(Scenario.WaitUntil(() => tree.Descendants().Count == 2, TimeSpan.FromSeconds(10)), "the pipeline did not start");

        CliRun run = Infrastructure.Cli.RunProgram(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=/tmp",
            Infrastructure.Cli.DotnetHost(), Infrastructure.Cli.ToolDll, tree.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--interval", "0");

        // What cannot be seen is never called running: blocked, with the reason.
        Assert.Equal(6, run.ExitCode);
        Assert.Equal("", run.Stderr);
        Assert.StartsWith($"BLOCKED: nothing in the tree of sh {tree.Pid} moved (single sample, so progress was not measured), and 3 waits lead somewhere ProcAudit cannot explain (unexplained-wait).", run.Stdout);
        Assert.Contains("could not be looked into (another user's process)", run.Stdout);
        Assert.Contains("Incomplete: 3 processes could not be looked into (another user's; run as that user or as root).", run.Stdout.Split('\n')[0]);
        Assert.Contains($"denied: could not read the fds, kernel stacks, runtime views, syscalls of sh {tree.Pid} (uid 0): run as the same user, or as root", run.Stdout);
        Assert.Contains("yes | sleep 600", run.Stdout);
    }

    [Fact]
    public void A_normal_user_auditing_roots_go_program_gets_its_kernel_view_and_a_note_that_goroutines_need_access()
    {
        Assert.True(Environment.UserName == "root", "this test starts the Go program as root and the audit as nobody; run the tests as root");
        string setpriv = Executables.FindOnPath("setpriv") ?? throw new InvalidOperationException("setpriv (util-linux) is needed and is not on PATH");
        string program = GoPrograms.Build("go-transfer-lock-order.go");
        using Scenario tree = Scenario.StartShell($"exec {program}");
        Assert.True(Scenario.WaitUntil(() => File.Exists($"/proc/{tree.Pid}/exe") && new FileInfo($"/proc/{tree.Pid}/exe").LinkTarget == program, TimeSpan.FromSeconds(10)), "the program did not start");

        CliRun run = Infrastructure.Cli.RunProgram(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=/tmp",
            Infrastructure.Cli.DotnetHost(), Infrastructure.Cli.ToolDll, tree.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--interval", "0");

        // The deadlock between its goroutines cannot be seen from outside; the report says so (blocked, not running), and what would allow it.
        Assert.Equal(6, run.ExitCode);
        Assert.StartsWith("BLOCKED: nothing in the tree of go-transfer-lock-order ", run.Stdout);
        Assert.Equal("", run.Stderr);
        // The kernel cuts comm at 15 bytes; the report's own lines use the program's full name from its command line.
        Assert.Contains($"denied: could not read the fds, kernel stacks, runtime views, syscalls of go-transfer-loc {tree.Pid} (uid 0): run as the same user, or as root", run.Stdout);
        Assert.Contains($"{tree.Pid} go-transfer-lock-order [S] audited root", run.Stdout);
        Assert.DoesNotContain("goroutine", run.Stdout);
    }
}
