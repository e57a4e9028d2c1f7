using System.Globalization;
using System.Text.RegularExpressions;
using ProcAudit.MSBuild.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ProcAudit.MSBuild.Tests;

/// <summary>
/// A command that exits but leaves `sleep 30` holding its output pipe (hangs.csproj, targets
/// LeakedPipe and LeakedPipeKeepsOutput, both with StopWaitingAfterExit="2000").
/// </summary>
[Collection(MSBuildCollection.Name)]
public sealed class LeakedPipeTests
{
    private static readonly TimeSpan s_buildBound = TimeSpan.FromSeconds(120);

    private static readonly TimeSpan s_grace = TimeSpan.FromMilliseconds(2000);

    private static readonly Regex s_namedProcess = new Regex(@"\bsleep (?<pid>\d+)\b", RegexOptions.CultureInvariant);

    private readonly SampleBuild _builds;

    public LeakedPipeTests(PackageFeed feed, ITestOutputHelper output)
    {
        _builds = new SampleBuild(feed, output);
    }

    [Fact]
    public void PA2001_names_the_sleep_that_holds_the_pipe_and_its_command_line()
    {
        BuildResult build = LeakedPipe();

        IReadOnlyList<string> warnings = build.LinesContaining("warning PA2001:");
        Assert.True(warnings.Count > 0, $"no `warning PA2001:`:\n{build}");
        Assert.True(warnings.All(w => w.Contains("sleep 30", StringComparison.Ordinal)), $"a PA2001 lacks the command line `sleep 30`:\n{string.Join('\n', warnings)}");

        // The `sleep <pid>` named is the real holder: the `sleep 30` the command left in the
        // build's session, still sleeping when the build ended. (`sleep 30` itself also reads as
        // "sleep <number>", hence any of the matches.)
        ProcessEntry? holder = build.Survivors.FirstOrDefault(p => p.CommandLine == "sleep 30");
        Assert.True(holder is not null, $"no `sleep 30` left in the build's session:\n{build}");
        IReadOnlyList<int> named = warnings
            .SelectMany(w => s_namedProcess.Matches(w))
            .Select(m => int.Parse(m.Groups["pid"].Value, CultureInfo.InvariantCulture))
            .ToList();
        Assert.Contains(holder.Pid, named);
    }

    [Fact]
    public void The_build_stops_waiting_after_the_grace_period_and_succeeds_well_before_the_sleep_ends()
    {
        BuildResult build = LeakedPipe();

        Assert.False(build.TimedOut, $"the build ran into its bound:\n{build}");
        Assert.True(build.ExitCode == 0, $"the build failed:\n{build}");

        // Not waited for: the `sleep 30` that holds the pipe was still running when the build had ended.
        Assert.True(build.Survivors.Any(p => p.CommandLine == "sleep 30"), $"no `sleep 30` still running after the build:\n{build}");
        TimeSpan? taskDuration = build.TaskDuration();
        Assert.True(taskDuration is not null, $"the target did not get past the task:\n{build}");
        Assert.True(taskDuration >= s_grace, $"the task took {taskDuration?.TotalSeconds:0.0} s, less than the {s_grace.TotalSeconds} s grace period:\n{build}");

        // The task's own word that it stopped at the grace period.
        Assert.True(
            build.LinesContaining($"warning PA2002: ProcAuditExec stopped waiting for the end of the command's output {s_grace.TotalMilliseconds} ms after the command exited").Count > 0,
            $"no PA2002 says the task stopped waiting {s_grace.TotalMilliseconds} ms after the exit:\n{build}");
    }

    [Fact]
    public void What_the_command_printed_before_it_exited_is_in_the_log()
    {
        BuildResult build = LeakedPipe();

        Assert.Contains(build.Lines, line => line.Trim() == "launched");
    }

    [Fact]
    public void Stopping_the_wait_keeps_all_2000_lines_in_ConsoleOutput()
    {
        BuildResult build = _builds.RunShared("hangs", "LeakedPipeKeepsOutput", s_buildBound);

        Assert.True(build.ExitCode == 0, $"the build failed:\n{build}");
        Assert.Equal("2000", build.Value("COUNT"));
        Assert.Equal("line-2000", build.Value("LAST"));
        string expected = string.Join(',', Enumerable.Range(1, 2000).Select(i => $"line-{i.ToString("D4", CultureInfo.InvariantCulture)}"));
        Assert.Equal(expected, build.Value("ALL"));
    }

    [Fact]
    public void Stopping_the_wait_keeps_all_2000_lines_in_the_log()
    {
        BuildResult build = _builds.RunShared("hangs", "LeakedPipeKeepsOutput", s_buildBound);

        // Each output line is logged as a message of its own (the ALL= line aside).
        HashSet<string> logged = build.Lines.Select(line => line.Trim()).ToHashSet(StringComparer.Ordinal);
        List<string> missing = Enumerable.Range(1, 2000)
            .Select(i => $"line-{i.ToString("D4", CultureInfo.InvariantCulture)}")
            .Where(line => !logged.Contains(line))
            .ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} lines missing from the log, first {missing.FirstOrDefault()}:\n{build}");
    }

    private BuildResult LeakedPipe()
    {
        return _builds.RunShared("hangs", "LeakedPipe", s_buildBound);
    }
}
