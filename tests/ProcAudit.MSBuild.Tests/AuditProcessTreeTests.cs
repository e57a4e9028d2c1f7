using System.Globalization;
using System.Text.Json;
using ProcAudit.MSBuild.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ProcAudit.MSBuild.Tests;

/// <summary>The AuditProcessTree task (hangs.csproj, targets AuditExited and AuditDeadlock).</summary>
[Collection(MSBuildCollection.Name)]
public sealed class AuditProcessTreeTests
{
    /// <summary>$(AbsentPid) in hangs.csproj.</summary>
    private const int AbsentPid = 99999999;

    private static readonly TimeSpan s_buildBound = TimeSpan.FromSeconds(120);

    private readonly SampleBuild _builds;

    public AuditProcessTreeTests(PackageFeed feed, ITestOutputHelper output)
    {
        _builds = new SampleBuild(feed, output);
    }

    [Fact]
    public void A_pid_that_does_not_exist_is_warning_PA3005_and_the_build_succeeds()
    {
        // The sample's pid must be one no process can have on this machine.
        Assert.True(AbsentPid > ProcessTable.PidMax(), $"{AbsentPid} is not above pid_max {ProcessTable.PidMax()}");

        BuildResult build = _builds.Run("hangs", "AuditExited", s_buildBound);

        Assert.True(build.ExitCode == 0, $"the build failed:\n{build}");
        Assert.True(build.LinesContaining("warning PA3005:").Count > 0, $"no `warning PA3005:`:\n{build}");
        Assert.True(build.LinesContaining("error PA").Count == 0, $"unexpected errors:\n{build}");
    }

    [Fact]
    public async Task A_deadlocked_tree_is_error_PA1001_with_verdict_deadlock_and_a_report()
    {
        BuildResult build = _builds.Run("hangs", "AuditDeadlock", s_buildBound);

        Assert.True(build.ExitCode != 0, $"the build succeeded:\n{build}");
        Assert.Equal("deadlock", build.Value("VERDICT"));
        Assert.True(build.LinesContaining("error PA1001: pipe-order-inversion:").Count > 0, $"no `error PA1001: pipe-order-inversion:`:\n{build}");

        string? reportPath = build.Value("AUDIT_REPORT");
        Assert.True(!string.IsNullOrEmpty(reportPath) && File.Exists(reportPath), $"no report:\n{build}");
        AuditReportFile report = await AuditReportFile.LoadAsync(reportPath);
        Assert.Empty(report.SchemaErrors);
        Assert.Equal("deadlock", report.Verdict);
        Assert.Equal(int.Parse(build.Value("DEADLOCK_PID") ?? "0", CultureInfo.InvariantCulture), report.Root.GetProperty("root").GetInt32());
        JsonElement cycle = Assert.Single(report.Cycles);
        Assert.Equal("pipe-order-inversion", cycle.GetProperty("pattern").GetString());
    }

    [Fact]
    public void With_FailOnDeadlock_false_the_cycle_is_a_warning_and_the_build_succeeds()
    {
        BuildResult build = _builds.Run("hangs", "AuditDeadlock", s_buildBound, "-p:FailOnDeadlock=false");

        Assert.True(build.ExitCode == 0, $"the build failed:\n{build}");
        Assert.Equal("deadlock", build.Value("VERDICT"));
        Assert.True(build.LinesContaining("warning PA1001: pipe-order-inversion:").Count > 0, $"no `warning PA1001: pipe-order-inversion:`:\n{build}");
        Assert.True(build.LinesContaining("error PA").Count == 0, $"unexpected errors:\n{build}");
    }
}
