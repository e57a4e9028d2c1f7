using System.Text.Json;
using System.Text.RegularExpressions;
using ProcAudit.MSBuild.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ProcAudit.MSBuild.Tests;

/// <summary>
/// ProcAuditExec at its Timeout on a real deadlock (hangs.csproj, target Deadlock: a python3 parent
/// that reads its child's stdout to EOF while the child fills its stderr pipe; Timeout="5000").
/// All tests look at the same build.
/// </summary>
[Collection(MSBuildCollection.Name)]
public sealed class DeadlockTests
{
    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromMilliseconds(5000);

    /// <summary>
    /// The build's own bound, generous for restore and start-up on a loaded machine. The deadlocked command never
    /// ends by itself, so a build that ends before this bound was ended by the task.
    /// </summary>
    private static readonly TimeSpan s_buildBound = TimeSpan.FromSeconds(180);

    // The child writes its 200000 bytes to fd 2 and blocks when the pipe holds 64 KiB.
    private static readonly Regex s_fullStderrPipe = new Regex(@"stderr \(fd 2, pipe:\[\d+\], 65536/65536 bytes full\)", RegexOptions.CultureInvariant);

    private readonly SampleBuild _builds;

    public DeadlockTests(PackageFeed feed, ITestOutputHelper output)
    {
        _builds = new SampleBuild(feed, output);
    }

    [Fact]
    public void The_deadlocked_command_fails_the_build_at_its_timeout_not_at_the_build_bound()
    {
        BuildResult build = Build();

        Assert.False(build.TimedOut, $"the build ran into its {s_buildBound.TotalSeconds} s bound:\n{build}");
        Assert.True(build.ExitCode != 0, $"the build succeeded:\n{build}");

        // The task's own word that it stopped the command for its Timeout, not for anything else.
        Assert.True(
            build.LinesContaining($"error PA1000: The command timed out after {s_commandTimeout.TotalMilliseconds} ms").Count > 0,
            $"no PA1000 says the command timed out after {s_commandTimeout.TotalMilliseconds} ms:\n{build}");

        // By the build's own clock: the task gave up at the timeout, not before it.
        TimeSpan? taskDuration = build.TaskDuration();
        Assert.True(taskDuration is not null, $"the target did not get past the task:\n{build}");
        Assert.True(taskDuration >= s_commandTimeout, $"the task ended after {taskDuration?.TotalSeconds:0.0} s, before its timeout:\n{build}");
    }

    [Fact]
    public void The_timeout_error_PA1000_carries_the_verdict()
    {
        BuildResult build = Build();

        string? timedOut = build.LinesContaining("error PA1000:").FirstOrDefault();
        Assert.True(timedOut is not null, $"no `error PA1000:`:\n{build}");
        Assert.Contains("DEADLOCK", timedOut);
        Assert.Contains("pipe-order-inversion", timedOut);
    }

    [Fact]
    public void The_log_names_the_pipe_order_inversion_and_the_childs_full_stderr_pipe()
    {
        BuildResult build = Build();

        IReadOnlyList<string> cycles = build.LinesContaining("error PA1001: pipe-order-inversion:");
        Assert.True(cycles.Count > 0, $"no `error PA1001: pipe-order-inversion:`:\n{build}");
        // The task takes the Python view too: the script's own lines, parent and child.
        Assert.True(cycles.Any(c => c.Contains("(deadlock.py:19 in <module>) reads stdout", StringComparison.Ordinal)
            && c.Contains("(deadlock.py:13 in <module>) blocks writing stderr", StringComparison.Ordinal)),
            $"no PA1001 names deadlock.py's lines 19 (the parent's read) and 13 (the child's write):\n{string.Join('\n', cycles)}");
        Assert.True(cycles.Any(s_fullStderrPipe.IsMatch),
            $"no PA1001 names the child's stderr pipe as `stderr (fd 2, pipe:[N], 65536/65536 bytes full)`:\n{string.Join('\n', cycles)}");
    }

    [Fact]
    public async Task The_audit_report_is_written_under_obj_procaudit_and_says_deadlock()
    {
        BuildResult build = Build();

        string? reportPath = build.Value("AUDIT_REPORT");
        Assert.False(string.IsNullOrEmpty(reportPath), $"AuditReport was empty:\n{build}");
        Assert.Equal(Path.GetFullPath(build.ReportDirectory), Path.GetDirectoryName(reportPath));
        Assert.True(File.Exists(reportPath), $"{reportPath} does not exist");
        Assert.Single(Directory.GetFiles(build.ReportDirectory, "*.json"));

        AuditReportFile report = await AuditReportFile.LoadAsync(reportPath);
        Assert.Empty(report.SchemaErrors);
        Assert.Equal("deadlock", report.Verdict);
        JsonElement cycle = Assert.Single(report.Cycles);
        Assert.Equal("pipe-order-inversion", cycle.GetProperty("pattern").GetString());

        // The same report as a page beside it, named in the log, its graph laid out by the tool copy the package carries.
        string html = Path.ChangeExtension(reportPath, ".html");
        Assert.True(build.LinesContaining("ProcAudit HTML report: " + html).Count > 0, $"the log does not name {html}:\n{build}");
        HtmlReportPage page = HtmlReportPage.Parse(File.ReadAllText(html));
        Assert.Equal("deadlock", page.Verdict);
        Assert.Equal(("cycle", "pipe-order-inversion"), (page.Problems[0].Kind, page.Problems[0].Name));
        page.AssertLaidOut();
        Assert.Equal(4, page.Edges.Count(e => e.Cycle && e.Stroke == "#dd0000"));
    }

    [Fact]
    public async Task The_logged_cycle_is_the_reports_cycle_with_the_python_childs_pid_and_pipe()
    {
        BuildResult build = Build();
        string? reportPath = build.Value("AUDIT_REPORT");
        Assert.True(reportPath is not null && File.Exists(reportPath), $"no report:\n{build}");
        AuditReportFile report = await AuditReportFile.LoadAsync(reportPath);
        JsonElement cycle = Assert.Single(report.Cycles);

        // The edge of the cycle where the child blocks writing into the full pipe.
        JsonElement blockedWrite = Assert.Single(
            cycle.GetProperty("waits").EnumerateArray(),
            w => w.GetProperty("reason").GetString() == "write-full-pipe");
        int childPid = blockedWrite.GetProperty("from").GetProperty("pid").GetInt32();
        string pipe = blockedWrite.GetProperty("object").GetString() ?? "";
        JsonElement? child = report.Process(childPid);
        Assert.True(child is not null, $"pid {childPid} is not in the report's processes");
        string childCommandLine = string.Join(' ', child.Value.GetProperty("cmdline").EnumerateArray().Select(a => a.GetString()));
        Assert.Contains("deadlock.py child", childCommandLine);
        JsonElement? pipeObject = report.Object(pipe);
        Assert.True(pipeObject is not null, $"{pipe} is not in the report's objects");
        Assert.Equal(65536, pipeObject.Value.GetProperty("queuedBytes").GetInt32());
        Assert.Equal(65536, pipeObject.Value.GetProperty("capacityBytes").GetInt32());

        // PA1001 is "<pattern>: <the report's one-sentence summary> ...", naming that child and pipe.
        string summary = cycle.GetProperty("summary").GetString() ?? "";
        string? logged = build.LinesContaining("error PA1001: pipe-order-inversion: " + summary).FirstOrDefault();
        Assert.True(logged is not null, $"no PA1001 line carries the report's summary `{summary}`:\n{build}");
        Assert.Matches(new Regex($@"\b{childPid}\b.*stderr \(fd 2, {Regex.Escape(pipe)}, 65536/65536 bytes full\)"), logged);
    }

    [Fact]
    public void The_deadlocked_tree_is_gone_when_the_build_ends()
    {
        BuildResult build = Build();

        IReadOnlyList<ProcessEntry> left = build.Survivors.Where(p => p.CommandLine.Contains("deadlock.py", StringComparison.Ordinal)).ToList();
        Assert.True(left.Count == 0, $"still running after the build:\n{string.Join('\n', left)}\n{build}");
    }

    [Fact]
    public void With_DeadlockAfter_the_step_is_stopped_once_the_cycle_has_held_not_at_its_two_minute_timeout()
    {
        BuildResult build = _builds.RunShared("hangs", "DeadlockEarly", TimeSpan.FromSeconds(100));

        // The build's bound is shorter than the task's 120 s timeout: only DeadlockAfter can end it in time.
        Assert.False(build.TimedOut, $"the build ran into its bound, so the task waited for its timeout:\n{build}");
        string? stopped = build.LinesContaining("error PA1000: The command held the same wait cycle (pipe-order-inversion) for ").FirstOrDefault();
        Assert.True(stopped is not null, $"no PA1000 saying the cycle held (DeadlockAfter):\n{build}");
        Assert.Contains("ProcAudit audited its process tree before stopping it: DEADLOCK", stopped);
        Assert.NotEmpty(build.LinesContaining("error PA1001: pipe-order-inversion:"));
        Assert.True(build.Survivors.All(p => !p.CommandLine.Contains("deadlock.py", StringComparison.Ordinal)), $"the tree outlived the build:\n{build}");
    }

    private BuildResult Build()
    {
        return _builds.RunShared("hangs", "Deadlock", s_buildBound);
    }
}
