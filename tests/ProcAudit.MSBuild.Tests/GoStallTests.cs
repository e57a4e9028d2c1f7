using System.Text.Json;
using ProcAudit.MSBuild.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ProcAudit.MSBuild.Tests;

/// <summary>
/// ProcAuditExec at its Timeout on a hung Go service (tests/fixtures/programs/go-broadcaster.go, built here with
/// the machine's go): the task reads the goroutines and the log names the chain from the lock to the peer.
/// </summary>
[Collection(MSBuildCollection.Name)]
public sealed class GoStallTests
{
    private static readonly TimeSpan s_buildBound = TimeSpan.FromSeconds(90);

    private readonly SampleBuild _builds;

    public GoStallTests(PackageFeed feed, ITestOutputHelper output)
    {
        _builds = new SampleBuild(feed, output);
    }

    [Fact]
    public async Task A_hung_go_service_fails_the_build_with_the_lock_channel_socket_chain()
    {
        string program = GoPrograms.Build("go-broadcaster.go");
        BuildResult build = _builds.Run("hangs", "GoStall", s_buildBound, $"-p:GoProgram={program}");

        Assert.False(build.TimedOut, $"the build ran into its bound:\n{build}");
        Assert.True(build.ExitCode != 0, $"the build succeeded:\n{build}");
        string? timedOut = build.LinesContaining("error PA1000:").FirstOrDefault();
        Assert.True(timedOut is not null, $"no PA1000:\n{build}");
        Assert.Contains("STALLED", timedOut);
        Assert.Contains("lock-held-across-blocking-send", timedOut);
        string? chain = build.LinesContaining("error PA1002: lock-held-across-blocking-send:").FirstOrDefault();
        Assert.True(chain is not null, $"no PA1002 for the chain:\n{build}");
        Assert.Contains("(main.(*room).broadcast, go-broadcaster.go:", chain);
        Assert.Contains("holds the read lock of sync.RWMutex", chain);
        Assert.Contains("(chan []uint8, 10/10 full)", chain);
        Assert.Contains("(main.(*member).writer, go-broadcaster.go:", chain);
        Assert.Contains("does not read it", chain);

        string? reportPath = build.Value("AUDIT_REPORT");
        Assert.True(reportPath is not null && File.Exists(reportPath), $"no report:\n{build}");
        AuditReportFile report = await AuditReportFile.LoadAsync(reportPath);
        Assert.Empty(report.SchemaErrors);
        Assert.Equal("stalled", report.Verdict);
        JsonElement room = Assert.Single(report.Root.GetProperty("processes").EnumerateArray(), p => p.GetProperty("goLocks").GetArrayLength() > 0);
        Assert.Equal("sync.RWMutex", room.GetProperty("goLocks")[0].GetProperty("type").GetString());
        Assert.Contains(room.GetProperty("goroutines").EnumerateArray(), g => g.GetProperty("waitKind").GetString() == "chan-send");
    }
}
