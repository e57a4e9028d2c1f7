using ProcAudit.MSBuild.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ProcAudit.MSBuild.Tests;

/// <summary>A command that works (hangs.csproj, target Healthy): ProcAuditExec behaves like Exec and adds nothing.</summary>
[Collection(MSBuildCollection.Name)]
public sealed class HealthyTests
{
    private static readonly TimeSpan s_buildBound = TimeSpan.FromSeconds(120);

    private readonly SampleBuild _builds;

    public HealthyTests(PackageFeed feed, ITestOutputHelper output)
    {
        _builds = new SampleBuild(feed, output);
    }

    [Fact]
    public void A_healthy_command_builds_with_its_output_and_no_ProcAudit_diagnostics()
    {
        BuildResult build = _builds.Run("hangs", "Healthy", s_buildBound);

        Assert.True(build.ExitCode == 0, $"the build failed:\n{build}");
        Assert.Equal("hello from the tool", build.Value("TOOL_SAID"));
        Assert.Equal("0", build.Value("TOOL_EXIT_CODE"));
        Assert.Contains(build.Lines, line => line.Trim() == "hello from the tool");
        Assert.True(build.ProcAuditDiagnostics().Count == 0, $"unexpected diagnostics:\n{build}");

        // No audit ran, so no report was written.
        string[] reports = Directory.Exists(build.ReportDirectory) ? Directory.GetFiles(build.ReportDirectory, "*.json") : [];
        Assert.Empty(reports);
    }
}
