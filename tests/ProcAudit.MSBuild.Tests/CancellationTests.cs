using ProcAudit.MSBuild.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ProcAudit.MSBuild.Tests;

/// <summary>
/// Ctrl+C during a ProcAuditExec (hangs.csproj, target Sleep: `sleep 600`): SIGINT to `dotnet build`
/// once the sleep runs. Both tests look at the same build.
/// </summary>
[Collection(MSBuildCollection.Name)]
public sealed class CancellationTests
{
    private const string SleepCommandLine = "sleep 600";

    /// <summary>Let the command run a moment, as a user would press Ctrl+C at some point.</summary>
    private static readonly TimeSpan s_interruptAfter = TimeSpan.FromSeconds(1);

    private readonly SampleBuild _builds;

    public CancellationTests(PackageFeed feed, ITestOutputHelper output)
    {
        _builds = new SampleBuild(feed, output);
    }

    [Fact]
    public void Sigint_ends_the_build_and_leaves_no_sleep_behind()
    {
        BuildResult build = Interrupted();

        // The sleep runs for 600 s: a build that ends within the harness's bound after SIGINT did not wait for it.
        Assert.True(build.SeenBeforeInterrupt is not null, $"`{SleepCommandLine}` never started in the build's session:\n{build}");
        Assert.True(build.ExitedAfterInterrupt is not null, $"the build did not end after SIGINT:\n{build}");
        Assert.True(build.ExitCode != 0, $"a cancelled build reported success:\n{build}");

        // Ours are found by session: the build's session, and the very sleep seen before SIGINT
        // (the same pid and start time; a reused pid is someone else's process).
        Assert.DoesNotContain(build.Survivors, p => p.CommandLine == SleepCommandLine);
        ProcessEntry sleep = build.SeenBeforeInterrupt;
        ProcessEntry? now = ProcessTable.Read(sleep.Pid);
        Assert.False(now is not null && now.StartTime == sleep.StartTime && !now.IsDead, $"the sleep still runs: {now}\n{build}");
    }

    [Fact]
    public void Sigint_logs_PA1000_for_the_cancelled_command()
    {
        BuildResult build = Interrupted();

        Assert.True(build.LinesContaining("error PA1000:").Count > 0, $"no `error PA1000:`:\n{build}");
    }

    private BuildResult Interrupted()
    {
        return _builds.RunAndInterruptShared("hangs", "Sleep", s_interruptAfter, SleepCommandLine);
    }
}
