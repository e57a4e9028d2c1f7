using System.Runtime.InteropServices;
using System.Text.Json;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Cli;

/// <summary>`procaudit run`: a deadlock stops the job in seconds; everything else runs untouched.</summary>
public sealed class RunTests
{
    private const string PythonInversion = """
        import subprocess, sys
        child = "import sys; sys.stderr.write('e' * 200000); sys.stderr.flush(); sys.stdout.write('x')"
        p = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        p.stdout.read()
        p.stderr.read()
        """;

    [Fact]
    public void A_deadlocked_command_is_stopped_after_deadlock_after_not_at_the_timeout_with_its_report()
    {
        string python = Prerequisites.Python3();
        string dir = TempDir();
        try
        {
            string json = Path.Combine(dir, "report.json");
            string markdown = Path.Combine(dir, "report.md");
            string summary = Path.Combine(dir, "summary.md");

            CliRun run = Infrastructure.Cli.RunProgram("/usr/bin/env", "GITHUB_STEP_SUMMARY=" + summary, Infrastructure.Cli.DotnetHost(), Infrastructure.Cli.ToolDll,
                "run", "--timeout", "1h", "--deadlock-after", "3s", "--interval", "1s", "--json", json, "--markdown", markdown, "--", python, "-c", PythonInversion);

            // Stopped by --deadlock-after (exit 125, after the cycle held at least its 3 s by procaudit's own
            // clock), not by the hour's --timeout (exit 124); the run itself is bounded by Cli's timeout.
            Assert.Equal(125, run.ExitCode);
            const string Stopping = "procaudit: stopping the command: the same wait cycle (pipe-order-inversion) held for ";
            Assert.StartsWith(Stopping, run.Stderr);
            Assert.True(Infrastructure.Cli.SecondsAfter(run.Stderr, Stopping) >= 3, run.Stderr);
            Assert.Contains("[pipe-order-inversion] python3 ", run.Stderr);
            Assert.Contains("65536/65536 bytes full", run.Stderr);
            Assert.Equal("", run.Stdout);

            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
            Assert.Equal("deadlock", doc.RootElement.GetProperty("verdict").GetString());
            Assert.Equal("pipe-order-inversion", doc.RootElement.GetProperty("cycles")[0].GetProperty("pattern").GetString());
            Assert.StartsWith("### ProcAudit: DEADLOCK in the tree of python3 ", File.ReadAllText(markdown));
            Assert.Equal(File.ReadAllText(markdown), File.ReadAllText(summary));
            Assert.Empty(run.Survivors);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_stall_of_observed_waits_that_holds_stops_the_command_with_125_naming_the_holder()
    {
        // x=$(...) waits for EOF that a background sleep will not give for 600 s: not a cycle, a stall.
        CliRun run = Infrastructure.Cli.Run("run", "--timeout", "1h", "--deadlock-after", "2s", "--interval", "500ms", "--",
            "/bin/bash", "-c", "x=$(sh -c 'sleep 600 & echo hi'); echo \"$x\"");

        Assert.Equal(125, run.ExitCode);
        Assert.StartsWith("procaudit: stopping the command: the same stall (leaked-write-end) held for ", run.Stderr);
        Assert.Matches(@"\[leaked-write-end\] bash \d+ waits for EOF on stdout \(fd \d+, pipe:\[\d+\], empty\), but sleep \d+ \(`sleep 600`\)", run.Stderr);
    }

    [Fact]
    public void A_command_that_times_out_is_audited_then_killed_with_exit_124()
    {
        CliRun run = Infrastructure.Cli.Run("run", "--timeout", "2s", "--deadlock-after", "1s", "--", "/bin/sh", "-c", "sleep 600");

        // Exit 124 and the message are procaudit's own observation of its --timeout.
        Assert.Equal(124, run.ExitCode);
        Assert.StartsWith("procaudit: the command ran past --timeout 2s; its tree, before it was killed:", run.Stderr);
        // A sleep is idle, not hung: only the timeout stopped it, never --deadlock-after.
        Assert.Contains("IDLE: nothing in the tree of sh ", run.Stderr);
        Assert.Contains(" sleeps for 600 s (", run.Stderr);
        Assert.Contains("sleep [S] child of", run.Stderr);
        Assert.Empty(run.Survivors);
    }

    [Fact]
    public void Healthy_commands_longer_than_deadlock_after_run_to_the_end_with_their_exit_code_and_output()
    {
        // Busy for 4 s, then idle in sleep for 3 s, then exit 7: deadlock-after is 1 s.
        CliRun run = Infrastructure.Cli.Run("run", "--deadlock-after", "1s", "--interval", "500ms", "--",
            "/bin/sh", "-c", "head -c 300000000 /dev/zero | gzip -1 | wc -c; sleep 3; printf 'done\\n'; exit 7");
        Assert.Equal(7, run.ExitCode);
        Assert.Equal("", run.Stderr);
        string[] lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("done", lines[^1]);
    }

    [Fact]
    public void A_command_idle_in_accept_on_a_socket_is_untouched()
    {
        string python = Prerequisites.Python3();
        // Waits 3 s for a connection that never comes, then exits 5: idle, not deadlocked.
        const string Script = "import socket,sys\ns=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(); s.settimeout(3)\ntry:\n    s.accept()\nexcept socket.timeout:\n    sys.exit(5)";
        CliRun run = Infrastructure.Cli.Run("run", "--deadlock-after", "1s", "--interval", "300ms", "--", python, "-c", Script);
        Assert.Equal(5, run.ExitCode);
        Assert.Equal("", run.Stderr);
    }

    [Fact]
    public void The_commands_output_reaches_us_byte_for_byte()
    {
        string dir = TempDir();
        try
        {
            string file = Path.Combine(dir, "bytes");
            byte[] expected = new byte[300_000];
            new Random(11).NextBytes(expected);
            File.WriteAllBytes(file, expected);

            // Straight through: procaudit must not sit in the middle of the command's stdout.
            string copy = Path.Combine(dir, "copy");
            CliRun run = Infrastructure.Cli.RunProgram("/bin/sh", "-c",
                $"'{Infrastructure.Cli.DotnetHost()}' '{Infrastructure.Cli.ToolDll}' run -- cat '{file}' > '{copy}'");

            Assert.Equal(0, run.ExitCode);
            Assert.Equal(expected, File.ReadAllBytes(copy));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_double_forked_helper_is_killed_when_the_command_ends()
    {
        CliRun run = Infrastructure.Cli.Run("run", "--", "/bin/sh", "-c", "(sleep 600 &) ; echo started");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("started\n", run.Stdout);
        Assert.True(run.Survivors.Count == 0, $"survived procaudit run: {string.Join(", ", run.Survivors)}");
    }

    [Fact]
    public void Sigint_to_procaudit_leaves_no_process_behind()
    {
        // A process started in the background inherits SIGINT ignored, and .NET keeps it so; a
        // terminal's Ctrl+C reaches a foreground procaudit, so give it the default disposition.
        // The run and everything it starts are in the scenario's session.
        using Scenario run = Scenario.StartProgram("/usr/bin/env", "--default-signal=INT", Infrastructure.Cli.DotnetHost(), Infrastructure.Cli.ToolDll, "run", "--",
            "/bin/bash", "-c", "(sleep 600 &); exec sleep 600");
        Assert.True(Scenario.WaitUntil(() => run.SessionMembers().Count(p => p.Comm == "sleep") == 2, TimeSpan.FromSeconds(30)), "the command did not start");

        Assert.Equal(0, Kill(run.Pid, 2));

        Assert.True(Scenario.WaitUntil(() => run.HasExited, TimeSpan.FromSeconds(30)), "procaudit run did not exit on SIGINT");
        IReadOnlyList<ProcStat> survivors = [];
        Assert.True(Scenario.WaitUntil(() => (survivors = run.SessionMembers()).Count == 0, TimeSpan.FromSeconds(5)), $"survived SIGINT: {string.Join(", ", survivors)}");
    }

    [Theory]
    [InlineData(new[] { "run" }, 1, "procaudit: run needs a command: procaudit run [options] -- <command> [args...]")]
    [InlineData(new[] { "run", "--", "procaudit-no-such-command" }, 127, "procaudit: command not found: procaudit-no-such-command")]
    [InlineData(new[] { "run", "--timeout", "-5s", "--", "true" }, 1, "procaudit: --timeout '-5s' is not a duration: use e.g. 500ms, 10s, 5m or 1h")]
    [InlineData(new[] { "run", "--timeout", "soon", "--", "true" }, 1, "procaudit: --timeout 'soon' is not a duration: use e.g. 500ms, 10s, 5m or 1h")]
    [InlineData(new[] { "run", "--timeout", "5s", "--deadlock-after", "10s", "--", "true" }, 1, "procaudit: --deadlock-after 10s is longer than --timeout 5s: it could never fire (make it shorter, or 0 to stop only at the timeout)")]
    public void Bad_input_is_one_line_and_a_documented_code(string[] args, int code, string message)
    {
        CliRun run = Infrastructure.Cli.Run(args);
        Assert.Equal(code, run.ExitCode);
        Assert.Equal(message, run.Stderr.TrimEnd('\n'));
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    private static int Kill(int pid, int signal) => kill(pid, signal);

    private static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"procaudit-run-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }
}
