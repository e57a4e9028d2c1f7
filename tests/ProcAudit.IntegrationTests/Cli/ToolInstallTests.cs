using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Cli;

/// <summary>
/// The README's install path, for real: pack, `dotnet tool install` from the local feed, `dotnet procaudit`,
/// which on linux-x64 is the native build.
/// </summary>
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
            // Compiling the native package takes minutes on a small machine.
            CliRun pack = Infrastructure.Cli.RunProgram(TimeSpan.FromMinutes(10), dotnet, "pack", Path.Combine(repo, "src", "ProcAudit.Cli"), "-c", "Release", "-o", feed,
                "-p:PackageOutputPath=" + feed);
            Assert.True(pack.ExitCode == 0, pack.Stdout + pack.Stderr);
            // The pointer package, the framework-dependent one for any platform and the native one for this machine.
            Assert.Equal(new[] { "dotnet-procaudit.0.1.0.nupkg", "dotnet-procaudit.any.0.1.0.nupkg", "dotnet-procaudit.linux-x64.0.1.0.nupkg" },
                Directory.GetFiles(feed, "dotnet-procaudit.*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal));

            // A private package folder, so no stale copy of the tool from an earlier run is picked up.
            CliRun install = Infrastructure.Cli.RunProgram("/usr/bin/env", "NUGET_PACKAGES=" + Path.Combine(work, "packages"),
                dotnet, "tool", "install", "dotnet-procaudit", "--tool-path", tools, "--add-source", feed);
            Assert.True(install.ExitCode == 0, install.Stdout + install.Stderr);
            string installed = File.ResolveLinkTarget(Path.Combine(tools, "dotnet-procaudit"), returnFinalTarget: true)?.FullName ?? Path.Combine(tools, "dotnet-procaudit");
            Assert.Contains("dotnet-procaudit.linux-x64", installed);
            Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(installed)!, "dotnet-procaudit.dll")), "the installed command is the native binary, not a .NET assembly");

            // `dotnet procaudit` is the dotnet host finding dotnet-procaudit on PATH.
            string path = tools + ":" + Environment.GetEnvironmentVariable("PATH");
            using Scenario tree = Scenario.StartProgram("/bin/sleep", "600");
            CliRun run = Infrastructure.Cli.RunProgram("/usr/bin/env", "PATH=" + path, dotnet, "procaudit", tree.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--interval", "0");
            Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
            // The native binary reads the sleep's time limit too: idle, never a false "running".
            Assert.StartsWith($"IDLE: nothing in the tree of sleep {tree.Pid} moved (single sample, so progress was not measured), and every wait ends in a timer or outside the tree: sleep {tree.Pid} sleeps for 600 s (", run.Stdout);

            CliRun demo = Infrastructure.Cli.RunProgram(Path.Combine(tools, "dotnet-procaudit"), "demo");
            Assert.True(demo.ExitCode == 0, demo.Stdout + demo.Stderr);
            Assert.Contains("[pipe-order-inversion]", demo.Stdout);

            // The native build takes the .NET view itself (ClrMD compiled in): no dotnet host is needed, none is found.
            string native = Path.Combine(tools, "dotnet-procaudit");
            using Scenario dotnetTree = Scenario.StartScenarioVerb("lock-order-inversion");
            CliRun view = default!;
            Assert.True(Scenario.WaitUntil(() =>
            {
                view = Infrastructure.Cli.RunProgram("/usr/bin/env", "-u", "DOTNET_HOST_PATH", "PATH=/nonexistent", native,
                    dotnetTree.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--interval", "0");
                // .NET renames a thread's comm when the program sets Thread.Name, a moment after it starts.
                return view.Stdout.Contains("[lock-order-inversion]", StringComparison.Ordinal)
                    && view.Stdout.Contains("(worker-a) waits for the lock on ProcAudit.Scenarios.LockOrderInversion+", StringComparison.Ordinal);
            }, TimeSpan.FromSeconds(60)), view.Stdout + view.Stderr);
            Assert.Contains("(managed-stacks, managed-locks, async-flows)", view.Stdout);

            // A thread running managed code needs the EventPipe sample, which the native build cannot take: it hands
            // that process to the JIT-compiled copy it carries, run with the dotnet host.
            using Scenario spinning = Scenario.StartScenarioVerb("managed-spin");
            CliRun sampled = default!;
            Assert.True(Scenario.WaitUntil(() =>
            {
                sampled = Infrastructure.Cli.RunProgram("/usr/bin/env", "PATH=" + path, native,
                    spinning.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json", "-");
                return sampled.Stdout.Contains("ProcAudit.Scenarios.BusyThread.SpinForever()", StringComparison.Ordinal);
            }, TimeSpan.FromSeconds(60)), sampled.Stdout + sampled.Stderr);
            // Without the dotnet host that sample is missing, and says why; the native view of the rest stands.
            Assert.True(Scenario.WaitUntil(() =>
            {
                sampled = Infrastructure.Cli.RunProgram("/usr/bin/env", "-u", "DOTNET_HOST_PATH", "PATH=/nonexistent", native,
                    spinning.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json", "-");
                return sampled.Stdout.Contains($".NET view of {spinning.Pid}: the .NET view needs the dotnet host, and dotnet could not be started", StringComparison.Ordinal);
            }, TimeSpan.FromSeconds(60)), sampled.Stdout + sampled.Stderr);
            Assert.Contains("\"managed-locks\"", sampled.Stdout);
            Assert.DoesNotContain("ProcAudit.Scenarios.BusyThread.SpinForever()", sampled.Stdout);
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

}
