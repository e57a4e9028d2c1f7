using System.Globalization;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Cli;

/// <summary>-n NAME and -p PID: the process given by name, like dotnet-trace's; exactly one must match.</summary>
public sealed class NameTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("procaudit-name-").FullName;

    /// <summary>A copy of sleep under a name nobody else on the machine uses.</summary>
    private string UniqueSleep() => Copy("/bin/sleep", "pa" + Guid.NewGuid().ToString("N")[..10], "sleep");

    private string Copy(string program, string name, string subdirectory)
    {
        string path = Path.Combine(Directory.CreateDirectory(Path.Combine(_dir, subdirectory)).FullName, name);
        File.Copy(program, path); // keeps the mode: executable
        return path;
    }

    [Fact]
    public void A_name_that_matches_one_process_audits_its_tree_and_so_does_watch()
    {
        string program = UniqueSleep();
        using Scenario tree = Scenario.StartProgram(program, "600");
        string name = Path.GetFileName(program);

        CliRun run = Infrastructure.Cli.Run("-n", name.ToUpperInvariant(), "--interval", "0");
        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith($"IDLE: nothing in the tree of {name} {tree.Pid} ", run.Stdout);

        CliRun byPid = Infrastructure.Cli.Run("-p", tree.Pid.ToString(CultureInfo.InvariantCulture), "--interval", "0");
        Assert.Equal(0, byPid.ExitCode);
        Assert.StartsWith($"IDLE: nothing in the tree of {name} {tree.Pid} ", byPid.Stdout);

        CliRun watch = Infrastructure.Cli.Run("watch", "-n", name, "--interval", "300ms", "--deadlock-after", "1s", "--timeout", "2s");
        Assert.Equal(124, watch.ExitCode);
        Assert.StartsWith($"IDLE: nothing in the tree of {name} {tree.Pid} ", watch.Stdout);
    }

    [Fact]
    public void Several_matches_exit_1_with_the_candidates_and_none_exits_4()
    {
        string program = UniqueSleep();
        string name = Path.GetFileName(program);
        // The same name, another program: a shell that keeps a secret in its command line, which the list redacts.
        string shell = Copy("/bin/bash", name, "bash");
        using Scenario first = Scenario.StartProgram(shell, "-c", "sleep 600; :", "--token=hunter2");
        using Scenario second = Scenario.StartProgram(program, "601");
        Assert.True(Scenario.WaitUntil(() => first.ChildByComm("sleep") is not null, TimeSpan.FromSeconds(10)), "the shell did not start its sleep");

        CliRun run = Infrastructure.Cli.Run("-n", name);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Stdout);
        string[] lines = run.Stderr.TrimEnd('\n').Split('\n');
        Assert.Equal($"procaudit: 2 processes are named '{name}': give one with -p PID", lines[0]);
        int width = Math.Max(first.Pid, second.Pid).ToString(CultureInfo.InvariantCulture).Length;
        Assert.Equal(
            new[] { first, second }.OrderBy(s => s.Pid).Select(s => $"  {s.Pid.ToString(CultureInfo.InvariantCulture).PadLeft(width)}  {name}  {(s == first ? shell + " -c sleep 600; : --token=***" : program + " 601")}"),
            lines.Skip(1));

        CliRun watchSeveral = Infrastructure.Cli.Run("watch", "-n", name, "--timeout", "1s");
        Assert.Equal(1, watchSeveral.ExitCode);
        Assert.Equal("", watchSeveral.Stdout);
        Assert.Equal(lines, watchSeveral.Stderr.TrimEnd('\n').Split('\n'));

        CliRun none = Infrastructure.Cli.Run("-n", name + "x");
        Assert.Equal(4, none.ExitCode);
        Assert.StartsWith($"procaudit: no process is named '{name}x'", none.Stderr);

        CliRun watchNone = Infrastructure.Cli.Run("watch", "-n", name + "x");
        Assert.Equal(4, watchNone.ExitCode);
    }

    [Fact]
    public void The_tool_never_matches_itself_and_a_pid_given_twice_is_a_usage_error()
    {
        // The tool runs as `dotnet dotnet-procaudit.dll`: by the .dll rule it answers to dotnet-procaudit, but it is never its own
        // target. Other copies may run beside it (this suite runs `run` and `watch` tests in parallel) and may be matched, so
        // sh prints the pid the tool will have and execs it, and the test checks that this pid is never the one named.
        CliRun self = Infrastructure.Cli.RunProgram("/bin/sh", "-c", "echo $$; exec \"$0\" \"$1\" -n dotnet-procaudit --interval 0",
            Infrastructure.Cli.DotnetHost(), Infrastructure.Cli.ToolDll);
        string own = self.Stdout.Split('\n')[0].Trim();
        Assert.Matches(@"^\d+$", own);
        if (self.ExitCode == 4)
        {
            Assert.StartsWith("procaudit: no process is named 'dotnet-procaudit'", self.Stderr);
        }
        else
        {
            Assert.DoesNotMatch($@"\b{own}\b", self.Stdout[(self.Stdout.IndexOf('\n') + 1)..] + self.Stderr);
        }

        CliRun twice = Infrastructure.Cli.Run("1", "-n", "init");
        Assert.Equal(1, twice.ExitCode);
        Assert.Equal("procaudit: give the process once: a pid, -p PID or -n NAME\n", twice.Stderr);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
