using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Cli;

/// <summary>`procaudit watch`: the same watching for a tree that is already running.</summary>
public sealed class WatchTests
{
    [Fact]
    public void Watch_reports_a_persistent_deadlock_of_a_running_tree()
    {
        using Scenario tree = Scenario.StartScenarioVerb("pipe-inversion");

        CliRun run = Infrastructure.Cli.Run("watch", tree.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--deadlock-after", "2s", "--interval", "500ms", "--timeout", "1m");

        // Reported once the cycle held its --deadlock-after, by watch's own clock, and before the --timeout (exit 2, not the timeout's).
        Assert.Equal(2, run.ExitCode);
        const string Held = "procaudit: the same wait cycle (pipe-order-inversion) held for ";
        Assert.StartsWith(Held, run.Stdout);
        Assert.True(Infrastructure.Cli.SecondsAfter(run.Stdout, Held) >= 2, run.Stdout);
        Assert.Contains($"DEADLOCK in the tree of dotnet {tree.Pid}", run.Stdout);
        // watch only looks: the tree is still there.
        Assert.False(tree.HasExited);
    }

    [Fact]
    public void Watch_reports_a_stall_that_holds_with_exit_3_and_never_an_idle_tree()
    {
        // The writer of a pipeline stopped (as by Ctrl-Z): no cycle, but nothing moves until SIGCONT.
        using Scenario stalled = Scenario.StartShell("yes | cat > /dev/null");
        Assert.True(Scenario.WaitUntil(() => stalled.Descendants().Count == 2, TimeSpan.FromSeconds(10)), "the pipeline did not start");
        int yes = stalled.Descendants().Single(pid => File.ReadAllText($"/proc/{pid}/comm").Trim() == "yes");
        Assert.Equal(0, Signals.Kill(yes, Signals.SigStop));

        CliRun run = Infrastructure.Cli.Run("watch", stalled.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--deadlock-after", "2s", "--interval", "500ms", "--timeout", "1m");

        Assert.Equal(3, run.ExitCode);
        Assert.StartsWith("procaudit: the same stall (stopped-process) held for ", run.Stdout);
        Assert.Contains($"[stopped-process] yes {yes} is stopped", run.Stdout);

        // A sleeping tree is idle: watched past deadlock-after, it is reported only at the timeout.
        using Scenario idle = Scenario.StartProgram("/bin/bash", "-c", "sleep 600; echo done");
        CliRun quiet = Infrastructure.Cli.Run("watch", idle.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--deadlock-after", "1s", "--interval", "300ms", "--timeout", "4s");
        Assert.Equal(124, quiet.ExitCode);
        Assert.StartsWith($"IDLE: nothing in the tree of bash {idle.Pid}", quiet.Stdout);
    }

    [Fact]
    public void Watch_ends_with_0_when_the_process_exits_and_never_reports_a_busy_tree()
    {
        using Scenario tree = Scenario.StartShell("head -c 300000000 /dev/zero | gzip -1 > /dev/null; sleep 1");

        CliRun run = Infrastructure.Cli.Run("watch", tree.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--deadlock-after", "1s", "--interval", "300ms", "--timeout", "1m");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Equal($"procaudit: {tree.Pid} exited\n", run.Stderr);
    }

    [Fact]
    public void Watch_of_a_missing_pid_exits_4()
    {
        CliRun run = Infrastructure.Cli.Run("watch", "2147483647", "--interval", "300ms");
        Assert.Equal(4, run.ExitCode);
        Assert.Equal("procaudit: no process with pid 2147483647 (it may have exited already)\n", run.Stderr);
    }
}
