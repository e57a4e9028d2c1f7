using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Cli;

/// <summary>The README's install path, for real: pack, `dotnet tool install` from the local feed, `dotnet procaudit`.</summary>
public sealed class ToolInstallTests
{
    [Fact]
    public void The_packed_tool_installs_from_a_local_feed_and_runs_as_dotnet_procaudit()
    {
        string work = Path.Combine(Path.GetTempPath(), $"procaudit-tool-{Guid.NewGuid():N}");
        string feed = Path.Combine(work, "feed");
        string tools = Path.Combine(work, "tools");
        string repo = Repository.Root;
        string dotnet = Infrastructure.Cli.DotnetHost();
        try
        {
            CliRun pack = Infrastructure.Cli.RunProgram(dotnet, "pack", Path.Combine(repo, "src", "ProcAudit.Cli"), "-c", "Release", "-o", feed,
                "-p:PackageOutputPath=" + feed);
            Assert.True(pack.ExitCode == 0, pack.Stdout + pack.Stderr);
            Assert.Single(Directory.GetFiles(feed, "dotnet-procaudit.*.nupkg"));

            // A private package folder, so no stale copy of the tool from an earlier run is picked up.
            CliRun install = Infrastructure.Cli.RunProgram("/usr/bin/env", "NUGET_PACKAGES=" + Path.Combine(work, "packages"),
                dotnet, "tool", "install", "dotnet-procaudit", "--tool-path", tools, "--add-source", feed);
            Assert.True(install.ExitCode == 0, install.Stdout + install.Stderr);

            // `dotnet procaudit` is the dotnet host finding dotnet-procaudit on PATH.
            string path = tools + ":" + Environment.GetEnvironmentVariable("PATH");
            using Scenario tree = Scenario.StartProgram("/bin/sleep", "600");
            CliRun run = Infrastructure.Cli.RunProgram("/usr/bin/env", "PATH=" + path, dotnet, "procaudit", tree.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--interval", "0");
            Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
            Assert.StartsWith("RUNNING: no deadlock or stall found in the tree of ", run.Stdout);

            CliRun demo = Infrastructure.Cli.RunProgram(Path.Combine(tools, "dotnet-procaudit"), "demo");
            Assert.True(demo.ExitCode == 0, demo.Stdout + demo.Stderr);
            Assert.Contains("[pipe-order-inversion]", demo.Stdout);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

}
