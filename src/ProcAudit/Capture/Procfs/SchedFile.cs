using System.Globalization;

namespace ProcAudit.Capture.Procfs;

/// <summary>Parser for /proc/PID/task/TID/sched (present when the kernel has CONFIG_SCHED_DEBUG).</summary>
internal static class SchedFile
{
    /// <summary>The line <see cref="ExecStartMs"/> reads, of the forty a sched file has.</summary>
    public static readonly LineFilter ExecStartLine = new("se.exec_start");

    /// <summary>
    /// se.exec_start in milliseconds: when the thread last ran, on the scheduler's clock, which
    /// reads as CLOCK_MONOTONIC here. Null when the line is missing or malformed.
    /// </summary>
    public static double? ExecStartMs(string text)
    {
        foreach (string line in text.Split('\n'))
        {
            if (!line.StartsWith("se.exec_start", StringComparison.Ordinal))
            {
                continue;
            }
            int colon = line.IndexOf(':');
            return colon > 0 && double.TryParse(line.AsSpan(colon + 1).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double ms) && ms >= 0
                ? ms
                : null;
        }
        return null;
    }
}
