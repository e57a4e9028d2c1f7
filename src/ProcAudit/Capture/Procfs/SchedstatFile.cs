using System.Globalization;

namespace ProcAudit.Capture.Procfs;

/// <summary>How much a thread has run: its /proc/PID/task/TID/schedstat.</summary>
/// <param name="RunNanoseconds">Time spent on a CPU, in nanoseconds (the scheduler's sum_exec_runtime).</param>
/// <param name="Runs">How many times it was put on a CPU (pcount).</param>
internal sealed record SchedstatRecord(ulong RunNanoseconds, ulong Runs);

/// <summary>
/// Parser for /proc/PID/task/TID/schedstat (Documentation/scheduler/sched-stats.rst): "time on
/// CPU (ns), time waiting for a CPU (ns), times run". One short line, the cheapest file that tells
/// whether a thread ran at all: a sleeping thread that was never woken keeps both counters.
/// </summary>
internal static class SchedstatFile
{
    /// <summary>The counters, or null when the text is not three numbers.</summary>
    public static SchedstatRecord? Parse(string text)
    {
        // Three numbers; cut in place, as a scan reads this for every thread of the machine, twice.
        ReadOnlySpan<char> line = text;
        Span<Range> fields = stackalloc Range[4];
        int count = line.Split(fields, ' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return count >= 3
            && ulong.TryParse(line[fields[0]], NumberStyles.None, CultureInfo.InvariantCulture, out ulong run)
            && ulong.TryParse(line[fields[2]], NumberStyles.None, CultureInfo.InvariantCulture, out ulong runs)
            ? new SchedstatRecord(run, runs)
            : null;
    }
}
