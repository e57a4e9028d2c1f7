using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Cli;

/// <summary>Bad input gets one clear line on stderr and a documented exit code, never a stack trace.</summary>
public sealed class BadInputTests
{
    [Theory]
    [InlineData("abc", "'abc' is not a pid")]
    [InlineData("12x", "'12x' is not a pid")]
    public void A_pid_that_is_not_a_positive_number_is_a_usage_error(string pid, string message)
    {
        CliRun run = Infrastructure.Cli.Run(pid);
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"procaudit: {message}: give the number of a running process", Assert.Single(Lines(run.Stderr)));
        AssertNoStackTrace(run);
    }

    [Fact]
    public void Zero_is_not_a_pid()
    {
        CliRun run = Infrastructure.Cli.Run("0");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("procaudit: 0 is not a pid: pids are positive numbers", Assert.Single(Lines(run.Stderr)));
    }

    [Fact]
    public void A_negative_pid_is_a_usage_error()
    {
        CliRun run = Infrastructure.Cli.Run("-5");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("procaudit: -5 is not a pid: pids are positive numbers", Assert.Single(Lines(run.Stderr)));
        AssertNoStackTrace(run);
    }

    [Fact]
    public void A_pid_that_does_not_exist_exits_4_with_one_line()
    {
        int pid = UnusedPid();
        CliRun run = Infrastructure.Cli.Run(pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(4, run.ExitCode);
        Assert.Equal($"procaudit: no process with pid {pid} (it may have exited already)", Assert.Single(Lines(run.Stderr)));
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public void A_mistyped_option_is_a_usage_error()
    {
        CliRun run = Infrastructure.Cli.Run("1", "--jsno", "x.json");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("procaudit: unrecognized argument '--jsno' (see --help)", Assert.Single(Lines(run.Stderr)));
    }

    [Fact]
    public void A_bad_interval_names_the_flag()
    {
        CliRun run = Infrastructure.Cli.Run("1", "--interval", "soon");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("procaudit: --interval 'soon' is not a duration: use e.g. 500ms, 2s or 0", Assert.Single(Lines(run.Stderr)));
    }

    [Fact]
    public void A_kernel_thread_is_audited_without_error()
    {
        // kthreadd (pid 2) has no user side; its tree is kernel threads only.
        CliRun run = Infrastructure.Cli.Run("2", "--interval", "0");
        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("IDLE: no thread in the tree of kthreadd 2 waits on anything ProcAudit follows (kernel threads and zombies have no user side).", run.Stdout);
        AssertNoStackTrace(run);
    }

    [Fact]
    public void A_zombie_is_reported_as_exited()
    {
        // The first sleep exits at once; its parent then execs into a sleep that never reaps it.
        using Scenario tree = Scenario.StartShell("sleep 0 & exec sleep 600");
        int zombie = 0;
        Assert.True(Scenario.WaitUntil(() => (zombie = ZombieChildOf(tree.Pid)) != 0, TimeSpan.FromSeconds(10)), "no zombie appeared");

        CliRun run = Infrastructure.Cli.Run(zombie.ToString(System.Globalization.CultureInfo.InvariantCulture), "--interval", "0");

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith($"EXITED: sleep {zombie} has exited.", run.Stdout);
        AssertNoStackTrace(run);
    }

    [Fact]
    public void An_unwritable_json_path_is_one_line_with_exit_5_after_the_report()
    {
        // A small tree of our own: pid 1's tree is the whole machine, whatever else runs on it.
        using Scenario tree = Scenario.StartProgram("/bin/sleep", "600");
        CliRun run = Infrastructure.Cli.Run(tree.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--interval", "0", "--json", "/proc/procaudit-cannot-write/report.json");
        Assert.Equal(5, run.ExitCode);
        Assert.StartsWith("procaudit: cannot write /proc/procaudit-cannot-write/report.json", Assert.Single(Lines(run.Stderr)));
        Assert.Contains("Processes:", run.Stdout);
    }

    private static int ZombieChildOf(int pid)
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)))
        {
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (f[0] == "Z" && f[1] == pid.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                return int.Parse(Path.GetFileName(dir), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }

    private static int UnusedPid()
    {
        int max = int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        for (int pid = max - 1; pid > 1; pid--)
        {
            if (!Directory.Exists($"/proc/{pid}"))
            {
                return pid;
            }
        }
        throw new InvalidOperationException("every pid is in use");
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static void AssertNoStackTrace(CliRun run)
    {
        Assert.DoesNotContain("   at ", run.Stderr);
        Assert.DoesNotContain("Exception", run.Stderr);
    }
}
