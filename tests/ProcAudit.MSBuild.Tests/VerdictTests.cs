using ProcAudit.MSBuild.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ProcAudit.MSBuild.Tests;

/// <summary>
/// Commands hung without a named pattern at ProcAuditExec's timeout (hangs.csproj targets StoppedWriter,
/// SelfLock, IdleSleep): the audit says stalled, blocked or idle, each with what is known, never running.
/// </summary>
[Collection(MSBuildCollection.Name)]
public sealed class VerdictTests
{
    private static readonly TimeSpan s_buildBound = TimeSpan.FromSeconds(120);

    private readonly SampleBuild _builds;

    public VerdictTests(PackageFeed feed, ITestOutputHelper output)
    {
        _builds = new SampleBuild(feed, output);
    }

    [Fact]
    public async Task A_stopped_writer_is_a_PA1002_stopped_process_naming_it_and_how_to_resume_it()
    {
        BuildResult build = _builds.RunShared("hangs", "StoppedWriter", s_buildBound);

        string? timedOut = build.LinesContaining("error PA1000:").FirstOrDefault();
        Assert.True(timedOut is not null && timedOut.Contains("STALLED", StringComparison.Ordinal) && timedOut.Contains("(stopped-process)", StringComparison.Ordinal), $"no PA1000 with the stalled verdict:\n{build}");
        string? stall = build.LinesContaining("error PA1002: stopped-process: yes ").FirstOrDefault();
        Assert.True(stall is not null, $"no `error PA1002: stopped-process: yes <pid>`:\n{build}");
        Assert.Matches(@"stopped-process: yes (\d+) is stopped \(state T: .*; cat \d+ reads stdout \(fd 0, pipe:\[\d+\], empty\) from it.*Fix: Resume it: `kill -CONT \1`", stall);

        AuditReportFile report = await AuditReportFile.LoadAsync(build.Value("AUDIT_REPORT")!);
        Assert.Empty(report.SchemaErrors);
        Assert.Equal("stalled", report.Verdict);
        Assert.True(build.Survivors.All(p => p.CommandLine is not ("yes" or "cat")), $"the stopped pipeline outlived the build:\n{build}");
    }

    [Fact]
    public async Task A_lock_the_only_thread_holds_itself_is_blocked_with_a_PA1003_warning_listing_the_thread()
    {
        BuildResult build = _builds.RunShared("hangs", "SelfLock", s_buildBound);

        string? timedOut = build.LinesContaining("error PA1000:").FirstOrDefault();
        Assert.True(timedOut is not null && timedOut.Contains("BLOCKED: nothing in the tree of", StringComparison.Ordinal), $"no PA1000 with the blocked verdict:\n{build}");
        string? unexplained = build.LinesContaining("warning PA1003: unexplained-wait:").FirstOrDefault();
        Assert.True(unexplained is not null, $"no `warning PA1003: unexplained-wait:`:\n{build}");
        Assert.Matches(@"python3 (\d+) is blocked in futex .*Waiting there: thread \1 python3: futex \(wchan ", unexplained);
        Assert.Empty(build.LinesContaining("error PA1002:"));

        AuditReportFile report = await AuditReportFile.LoadAsync(build.Value("AUDIT_REPORT")!);
        Assert.Empty(report.SchemaErrors);
        Assert.Equal("blocked", report.Verdict);
    }

    [Fact]
    public async Task A_plain_sleep_at_the_timeout_is_idle_and_says_how_long_it_sleeps()
    {
        BuildResult build = _builds.RunShared("hangs", "IdleSleep", s_buildBound);

        string? timedOut = build.LinesContaining("error PA1000:").FirstOrDefault();
        Assert.True(timedOut is not null, $"no `error PA1000:`:\n{build}");
        // ProcAuditExec runs the command through sh, which waits for the sleep.
        Assert.Matches(@"IDLE: nothing in the tree of sh \d+ moved in 300 ms, and every wait ends in a timer or outside the tree: sleep \d+ sleeps for 600 s \((5\d\d|600) s left\)\.", timedOut);
        Assert.Empty(build.LinesContaining("error PA1002:"));
        Assert.Empty(build.LinesContaining("warning PA1003:"));

        AuditReportFile report = await AuditReportFile.LoadAsync(build.Value("AUDIT_REPORT")!);
        Assert.Empty(report.SchemaErrors);
        Assert.Equal("idle", report.Verdict);
    }
}
