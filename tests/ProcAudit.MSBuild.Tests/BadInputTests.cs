using ProcAudit.MSBuild.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ProcAudit.MSBuild.Tests;

/// <summary>Parameters and commands that cannot work (hangs.csproj, targets BadTimeout, NegativeTimeout, NoSuchCommand, BadReportDir).</summary>
[Collection(MSBuildCollection.Name)]
public sealed class BadInputTests
{
    private static readonly TimeSpan s_buildBound = TimeSpan.FromSeconds(120);

    private readonly SampleBuild _builds;

    public BadInputTests(PackageFeed feed, ITestOutputHelper output)
    {
        _builds = new SampleBuild(feed, output);
    }

    [Theory]
    [InlineData("BadTimeout")]
    [InlineData("NegativeTimeout")]
    public void A_timeout_of_zero_or_less_is_PA3001_and_the_command_does_not_run(string target)
    {
        BuildResult build = _builds.Run("hangs", target, s_buildBound);

        Assert.True(build.ExitCode != 0, $"the build succeeded:\n{build}");
        Assert.True(build.LinesContaining("error PA3001:").Count > 0, $"no `error PA3001:`:\n{build}");

        // The command would have created this file.
        Assert.False(File.Exists(Path.Combine(build.ProjectDirectory, "command-ran.marker")), $"the command ran:\n{build}");
    }

    [Fact]
    public void A_command_that_does_not_exist_is_PA1010_with_exit_code_127()
    {
        BuildResult build = _builds.Run("hangs", "NoSuchCommand", s_buildBound);

        Assert.True(build.ExitCode != 0, $"the build succeeded:\n{build}");
        Assert.True(
            build.LinesContaining("error PA1010: The command \"procaudit-no-such-command-xyz\" exited with code 127.").Count > 0,
            $"no PA1010 with exit code 127:\n{build}");
    }

    [Fact]
    public void An_unwritable_report_directory_is_PA3002_and_the_verdict_is_still_logged()
    {
        BuildResult build = _builds.Run("hangs", "BadReportDir", s_buildBound);

        Assert.False(build.TimedOut, $"the build ran into its bound:\n{build}");
        Assert.True(build.ExitCode != 0, $"the build succeeded:\n{build}");
        Assert.True(build.LinesContaining("warning PA3002:").Count > 0, $"no `warning PA3002:`:\n{build}");
        Assert.True(build.LinesContaining("error PA1001: pipe-order-inversion:").Count > 0, $"no `error PA1001: pipe-order-inversion:`:\n{build}");
        Assert.Equal("", build.Value("AUDIT_REPORT"));
    }
}
