using ProcAudit.Capture.Procfs;

namespace ProcAudit.Capture.Processes;

/// <summary>
/// cmdline and maps take the process's memory lock: bounded, and after one timeout the rest of
/// that process's memory-backed files are skipped rather than waited for again.
/// </summary>
internal static class MemoryBackedFiles
{
    /// <param name="context">The capture it is read for.</param>
    /// <param name="pid">The process.</param>
    /// <param name="file">cmdline or maps.</param>
    /// <param name="limit">At most this many bytes.</param>
    /// <param name="lines">Only the lines the caller parses (see <see cref="LineFilter"/>); null for the whole file.</param>
    public static ProcText Read(CaptureContext context, int pid, string file, int limit, LineFilter? lines = null)
    {
        if (context.Stuck.Contains(pid))
        {
            return new ProcText(null, ReadOutcome.TimedOut);
        }
        TimeSpan timeout = context.Options.ReadTimeout;
        ProcText text = context.Procfs.ReadTextBounded($"{pid}/{file}", timeout, limit, lines);
        if (text.Outcome == ReadOutcome.TimedOut)
        {
            context.Stuck.Add(pid);
            context.Notes.Add(new Note("timeout",
                $"reading /proc/{pid}/{file} did not finish within {timeout.TotalMilliseconds:0} ms (the process may be stuck in the kernel holding its memory lock): its command line and runtime are left out",
                pid, $"{pid}/{file}"));
        }
        return text;
    }
}
