using System.Text.Json;
using ProcAudit.MSBuild.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ProcAudit.MSBuild.Tests;

/// <summary>
/// ProcAuditExec at its Timeout on a hung .NET program (hangs.csproj, target DotNetLockInversion): the task
/// takes the .NET view, as the command-line tool does, through the tool copy its package carries.
/// </summary>
[Collection(MSBuildCollection.Name)]
public sealed class DotNetViewTests
{
    private static readonly TimeSpan s_buildBound = TimeSpan.FromSeconds(120);

    private readonly SampleBuild _builds;

    public DotNetViewTests(PackageFeed feed, ITestOutputHelper output)
    {
        _builds = new SampleBuild(feed, output);
    }

    [Fact]
    public async Task A_monitor_lock_order_inversion_in_a_dotnet_command_is_a_PA1001_cycle_with_the_managed_lock_types()
    {
        string scenarios = ScenarioPrograms.AssemblyPath(typeof(DotNetViewTests).Assembly);
        BuildResult build = _builds.Run("hangs", "DotNetLockInversion", s_buildBound, $"-p:ScenarioDll={scenarios}");

        Assert.False(build.TimedOut, $"the build ran into its bound:\n{build}");
        string? cycle = build.LinesContaining("error PA1001: lock-order-inversion:").FirstOrDefault();
        Assert.True(cycle is not null, $"no `error PA1001: lock-order-inversion:` (the .NET view is what sees the monitor owners):\n{build}");
        Assert.Contains("(worker-a) waits for the lock on ProcAudit.Scenarios.LockOrderInversion+", cycle);
        Assert.Contains("(worker-b) waits for the lock on ProcAudit.Scenarios.LockOrderInversion+", cycle);

        string? reportPath = build.Value("AUDIT_REPORT");
        Assert.True(reportPath is not null && File.Exists(reportPath), $"no report:\n{build}");
        AuditReportFile report = await AuditReportFile.LoadAsync(reportPath);
        Assert.Empty(report.SchemaErrors);
        Assert.Equal("deadlock", report.Verdict);
        JsonElement program = Assert.Single(report.Root.GetProperty("processes").EnumerateArray(), p => p.GetProperty("runtime").GetString() == "dotnet");
        Assert.Contains("managed-locks", program.GetProperty("runtimeViews").EnumerateArray().Select(v => v.GetString()));
        Assert.Contains(program.GetProperty("threads").EnumerateArray(), t => t.GetProperty("managedStack").EnumerateArray().Any(f => f.GetString()!.StartsWith("System.Threading.Monitor.Enter", StringComparison.Ordinal)));
    }
}
