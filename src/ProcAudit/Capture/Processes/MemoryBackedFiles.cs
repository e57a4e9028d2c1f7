using ProcAudit.Capture.Procfs;

namespace ProcAudit.Capture.Processes;

/// <summary>
/// cmdline and maps take the process's memory lock: bounded, and after one timeout the rest of
/// that process's memory-backed files are skipped rather than waited for again.
/// </summary>
internal static class MemoryBackedFiles
{
    public static ProcText Read(CaptureContext context, int pid, string file, int limit)
    {
        if (context.Stuck.Contains(pid))
        {
            return new ProcText(null, ReadOutcome.TimedOut);
        }
        TimeSpan timeout = context.Options.ReadTimeout;
        ProcText text = context.Procfs.ReadTextBounded($"{pid}/{file}", timeout, limit);
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
