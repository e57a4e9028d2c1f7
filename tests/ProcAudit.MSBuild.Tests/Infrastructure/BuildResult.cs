using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ProcAudit.MSBuild.Tests.Infrastructure;

/// <summary>What one `dotnet build` of a sample did.</summary>
/// <param name="ProjectDirectory">The copy of the sample that was built (reports land under its obj/).</param>
/// <param name="Log">stdout and stderr of `dotnet build`, one line each.</param>
/// <param name="ExitCode">The build's exit code; -1 when it had to be killed.</param>
/// <param name="TimedOut">The build ran into its time bound and was killed.</param>
/// <param name="SessionId">The build's session (the `dotnet build` pid).</param>
/// <param name="Survivors">Live processes still in the build's session after it exited, before they were killed.</param>
/// <param name="SeenBeforeInterrupt">For an interrupted build: the process awaited before the interrupt, if it appeared.</param>
/// <param name="InterruptedAt">For an interrupted build: when SIGINT was sent, from the start.</param>
/// <param name="ExitedAfterInterrupt">For an interrupted build: how long it took to exit after SIGINT.</param>
internal sealed record BuildResult(
    string Sample,
    string Target,
    string CommandLine,
    string ProjectDirectory,
    string Log,
    int ExitCode,
    TimeSpan Elapsed,
    bool TimedOut,
    int SessionId,
    IReadOnlyList<ProcessEntry> Survivors,
    ProcessEntry? SeenBeforeInterrupt,
    TimeSpan? InterruptedAt,
    TimeSpan? ExitedAfterInterrupt)
{
    private static readonly Regex s_procAuditDiagnostic = new Regex(@"\b(error|warning) PA\d{4}\b", RegexOptions.CultureInvariant);

    public IReadOnlyList<string> Lines => Log.Split('\n');

    /// <summary>The default report directory of the tasks, in the built copy.</summary>
    public string ReportDirectory => Path.Combine(ProjectDirectory, "obj", "procaudit");

    /// <summary>Log lines containing <paramref name="text"/> (ordinal).</summary>
    public IReadOnlyList<string> LinesContaining(string text)
    {
        return Lines.Where(line => line.Contains(text, StringComparison.Ordinal)).ToList();
    }

    /// <summary>Every `error PAnnnn` / `warning PAnnnn` line of the log.</summary>
    public IReadOnlyList<string> ProcAuditDiagnostics()
    {
        return Lines.Where(line => s_procAuditDiagnostic.IsMatch(line)).ToList();
    }

    /// <summary>
    /// The value of a <c>NAME=value</c> line the sample's targets print with a high-importance
    /// message; null when no such line was printed (e.g. the target stopped before it).
    /// </summary>
    public string? Value(string name)
    {
        string prefix = name + "=";
        string? found = null;
        foreach (string line in Lines)
        {
            string trimmed = line.Trim();
            if (trimmed.StartsWith(prefix, StringComparison.Ordinal))
            {
                found = trimmed[prefix.Length..];
            }
        }

        return found;
    }

    /// <summary>How long the task between TASK_START_TICKS and TASK_END_TICKS took, by the build's own clock.</summary>
    public TimeSpan? TaskDuration()
    {
        string? start = Value("TASK_START_TICKS");
        string? end = Value("TASK_END_TICKS");
        if (start is null || end is null)
        {
            return null;
        }

        return TimeSpan.FromTicks(long.Parse(end, CultureInfo.InvariantCulture) - long.Parse(start, CultureInfo.InvariantCulture));
    }

    /// <summary>Everything about the build, for test output and assertion messages.</summary>
    public override string ToString()
    {
        StringBuilder text = new StringBuilder();
        text.AppendLine($"$ {CommandLine}");
        text.AppendLine($"  in {ProjectDirectory}");
        text.AppendLine($"  exit code {ExitCode}, {Elapsed.TotalSeconds:0.0} s{(TimedOut ? ", KILLED at its time bound" : "")}, session {SessionId}");
        if (InterruptedAt is TimeSpan interruptedAt)
        {
            string awaited = SeenBeforeInterrupt is null ? "the awaited process never appeared" : $"awaited {SeenBeforeInterrupt}";
            string exit = ExitedAfterInterrupt is TimeSpan after ? $"{after.TotalSeconds:0.0} s later" : "not within the bound";
            text.AppendLine($"  SIGINT at {interruptedAt.TotalSeconds:0.0} s ({awaited}); exited {exit}");
        }

        text.AppendLine(Survivors.Count == 0 ? "  no survivors in its session" : "  survivors in its session:");
        foreach (ProcessEntry survivor in Survivors)
        {
            text.AppendLine($"    {survivor}");
        }

        text.AppendLine("----- build log -----");
        text.AppendLine(Log);
        text.Append("----- end of build log -----");
        return text.ToString();
    }
}
