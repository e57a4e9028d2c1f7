using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Cli;

/// <summary>Help is printed, not paged: on a terminal it must not wait for a key.</summary>
public sealed class HelpTests
{
    [Fact]
    public void Help_on_a_terminal_prints_and_exits_without_a_pager()
    {
        // `script` gives the tool a pseudo-terminal, where CommandLineUtils' own help option would start `less`.
        string script = Executables.FindOnPath("script") ?? throw new InvalidOperationException("script (util-linux) is needed and is not on PATH");
        string command = $"'{Infrastructure.Cli.DotnetHost()}' '{Infrastructure.Cli.ToolDll}' --help";

        CliRun run = Infrastructure.Cli.RunProgram(script, "-qec", command, "/dev/null");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Usage: dotnet-procaudit [arguments] [options] [command]", run.Stdout);
        Assert.Contains("Exit codes: 0 not hung (running, idle, exited), 1 usage error, 2 deadlock, 3 stalled, 4 no such process", run.Stdout);
        Assert.DoesNotContain("Press 'q'", run.Stdout);
    }

    [Theory]
    [InlineData("analyze")]
    [InlineData("demo")]
    [InlineData("ps")]
    [InlineData("scan")]
    public void Each_command_has_help(string command)
    {
        CliRun run = Infrastructure.Cli.Run(command, "--help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"Usage: dotnet-procaudit {command}", run.Stdout);
        Assert.Equal("", run.Stderr);
    }
}
