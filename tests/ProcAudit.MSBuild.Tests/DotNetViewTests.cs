using System.Text.Json;
using ProcAudit.MSBuild.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ProcAudit.MSBuild.Tests;

/// <summary>
/// ProcAuditExec at its Timeout on a hung .NET program (hangs.csproj, targets DotNetLockInversion and
/// DotNetAsyncAbba): the task takes the .NET view, as the command-line tool does, through the tool copy its
/// package carries, async flows included.
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
        BuildResult build = RunScenario("DotNetLockInversion");

        Assert.False(build.TimedOut, $"the build ran into its bound:\n{build}");
        string? cycle = build.LinesContaining("error PA1001: lock-order-inversion:").FirstOrDefault();
        Assert.True(cycle is not null, $"no `error PA1001: lock-order-inversion:` (the .NET view is what sees the monitor owners):\n{build}");
        Assert.Contains("(worker-a) waits for the lock on ProcAudit.Scenarios.LockOrderInversion+", cycle);
        Assert.Contains("(worker-b) waits for the lock on ProcAudit.Scenarios.LockOrderInversion+", cycle);

        (_, JsonElement program) = await DeadlockReport(build);
        Assert.Contains("managed-locks", program.GetProperty("runtimeViews").EnumerateArray().Select(v => v.GetString()));
        Assert.Contains(program.GetProperty("threads").EnumerateArray(), t => t.GetProperty("managedStack").EnumerateArray().Any(f => f.GetString()!.StartsWith("System.Threading.Monitor.Enter", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_async_semaphore_ABBA_in_a_dotnet_command_is_a_PA1001_async_lock_order_inversion_naming_both_flows()
    {
        BuildResult build = RunScenario("DotNetAsyncAbba");

        Assert.False(build.TimedOut, $"the build ran into its bound:\n{build}");
        Assert.True(build.ExitCode != 0, $"the build succeeded:\n{build}");
        string? cycle = build.LinesContaining("error PA1001: async-lock-order-inversion:").FirstOrDefault();
        Assert.True(cycle is not null, $"no `error PA1001: async-lock-order-inversion:` (only the async flows in the heap show it):\n{build}");
        string? headline = build.LinesContaining("error PA1000: ").FirstOrDefault();
        Assert.True(headline is not null && headline.Contains(": 1 wait cycle (async-lock-order-inversion).", StringComparison.Ordinal), $"no PA1000 headline naming the cycle:\n{build}");

        (AuditReportFile report, JsonElement program) = await DeadlockReport(build);
        int pid = program.GetProperty("pid").GetInt32();
        Assert.Contains("async-flows", program.GetProperty("runtimeViews").EnumerateArray().Select(v => v.GetString()));

        // Both flows, by their methods outermost first, each waiting for a semaphore the other holds.
        const string Flow = "async flow ProcAudit.Scenarios.AsyncFlows.BothFlows@0 > System.Threading.Tasks.Task.WhenAll > ProcAudit.Scenarios.AsyncFlows.Flow@2";
        Assert.Contains($"async-lock-order-inversion: In dotnet {pid}, {Flow} awaits SemaphoreSlim 0x", cycle);
        Assert.Contains($" held by {Flow}, which awaits SemaphoreSlim 0x", cycle);
        Assert.Contains(" held by the first: neither WaitAsync can complete (holders inferred: ", cycle);

        JsonElement[] flows = program.GetProperty("asyncFlows").EnumerateArray().ToArray();
        Assert.Equal(2, flows.Length);
        Assert.All(flows, f => Assert.Equal("semaphore", f.GetProperty("awaits").GetString()));
        Assert.Equal(2, program.GetProperty("asyncLocks").GetArrayLength());
        JsonElement found = Assert.Single(report.Root.GetProperty("cycles").EnumerateArray());
        Assert.Equal("async-lock-order-inversion", found.GetProperty("pattern").GetString());
        JsonElement[] edges = found.GetProperty("waits").EnumerateArray().ToArray();
        Assert.All(edges, w => Assert.Equal(("async-lock", "inferred"), (w.GetProperty("reason").GetString(), w.GetProperty("certainty").GetString())));
        Assert.Equal(
            flows.Select(f => f.GetProperty("id").GetString()).Order(StringComparer.Ordinal),
            edges.Select(w => w.GetProperty("from").GetProperty("flow").GetString()).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Issue 17's other async programs through the task, as through the command-line tool (AsyncFlowVerdictTests): the
    /// headline's verdict, and the one pattern each must be named with (an error PA1001 for a cycle, PA1002 for a
    /// stall, a warning PA1003 for a wait nothing explains), or for a healthy program no pattern at all.
    /// </summary>
    [Theory]
    [InlineData("async-promise", "BLOCKED", "PA1003", "unexplained-wait")]
    [InlineData("async-channel-peer", "STALLED", "PA1002", "channel-reader-blocked")]
    [InlineData("pool-starvation", "STALLED", "PA1002", "thread-pool-starvation")]
    [InlineData("sync-context-deadlock", "DEADLOCK", "PA1001", "sync-context-deadlock")]
    [InlineData("async-idle-server", "IDLE", null, null)]
    [InlineData("async-timer-loop", null, null, null)]
    [InlineData("async-busy-pipeline", "RUNNING", null, null)]
    public async Task Each_async_program_under_the_task_gets_the_verdict_and_pattern_the_command_line_tool_gives(string verb, string? verdict, string? code, string? pattern)
    {
        BuildResult build = RunScenario("DotNetScenario", $"-p:ScenarioVerb={verb}");

        Assert.False(build.TimedOut, $"the build ran into its bound:\n{build}");
        string? headline = build.LinesContaining("error PA1000: ").FirstOrDefault();
        Assert.True(headline is not null, $"no PA1000 (the step timed out and was audited):\n{build}");
        if (verdict is not null)
        {
            Assert.True(headline.Contains($": {verdict}", StringComparison.Ordinal) || headline.Contains($" {verdict}:", StringComparison.Ordinal), $"the headline is not {verdict}: {headline}");
        }
        else
        {
            // A timer loop is idle or running, as the moment falls, and never anything worse.
            Assert.True(headline.Contains("IDLE", StringComparison.Ordinal) || headline.Contains("RUNNING", StringComparison.Ordinal), $"a timer loop is not idle or running: {headline}");
        }
        string[] problems = build.LinesContaining(" PA1001: ").Concat(build.LinesContaining(" PA1002: ")).Concat(build.LinesContaining(" PA1003: ")).ToArray();
        if (code is null)
        {
            Assert.True(problems.Length == 0, $"{verb} is healthy, yet:\n{string.Join('\n', problems)}");
        }
        else
        {
            Assert.Contains(problems, l => l.Contains($" {code}: {pattern}: ", StringComparison.Ordinal));
        }
        (AuditReportFile report, JsonElement program) = await Report(build);
        if (verdict is not null)
        {
            Assert.Equal(verdict.ToLowerInvariant(), report.Verdict);
        }
        // A tree that moved is running: no runtime view is taken of it.
        if (report.Verdict != "running")
        {
            Assert.Contains("async-flows", program.GetProperty("runtimeViews").EnumerateArray().Select(v => v.GetString()));
        }
    }

    /// <summary>Builds a hangs.csproj target that runs a verb of tests/ProcAudit.Scenarios under ProcAuditExec.</summary>
    private BuildResult RunScenario(string target, params string[] properties)
    {
        string scenarios = ScenarioPrograms.AssemblyPath(typeof(DotNetViewTests).Assembly);
        return _builds.Run("hangs", target, s_buildBound, [$"-p:ScenarioDll={scenarios}", .. properties]);
    }

    /// <summary>The JSON report the build logged, valid and a deadlock, and its one .NET process.</summary>
    private static async Task<(AuditReportFile Report, JsonElement Program)> DeadlockReport(BuildResult build)
    {
        (AuditReportFile report, JsonElement program) = await Report(build);
        Assert.Equal("deadlock", report.Verdict);
        Assert.Single(report.Root.GetProperty("processes").EnumerateArray(), p => p.GetProperty("runtime").GetString() == "dotnet");
        return (report, program);
    }

    /// <summary>The JSON report the build logged, valid, and the scenario's own process (the audited root, under the task's shell).</summary>
    private static async Task<(AuditReportFile Report, JsonElement Program)> Report(BuildResult build)
    {
        string? reportPath = build.Value("AUDIT_REPORT");
        Assert.True(reportPath is not null && File.Exists(reportPath), $"no report:\n{build}");
        AuditReportFile report = await AuditReportFile.LoadAsync(reportPath);
        Assert.Empty(report.SchemaErrors);
        JsonElement[] dotnet = report.Root.GetProperty("processes").EnumerateArray().Where(p => p.GetProperty("runtime").GetString() == "dotnet").ToArray();
        Assert.NotEmpty(dotnet);
        // The scenario's process is the outermost .NET one (a peer it starts is its child).
        HashSet<int> pids = dotnet.Select(p => p.GetProperty("pid").GetInt32()).ToHashSet();
        return (report, Assert.Single(dotnet, p => !pids.Contains(p.GetProperty("ppid").GetInt32())));
    }
}
