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
        ProcText text = context.Procfs.ReadTextBounded($"{pid}/{file}", context.Options.ReadTimeout, limit, lines);
        Check(context, pid, file, text);
        return text;
    }

    /// <summary>The same file of many processes, in one batch of bounded reads (a scan's): as <see cref="Read"/> for each.</summary>
    public static ProcText[] ReadMany(CaptureContext context, IReadOnlyList<int> pids, string file, int limit, LineFilter? lines = null)
    {
        List<int> asked = new();
        for (int i = 0; i < pids.Count; i++)
        {
            if (!context.Stuck.Contains(pids[i]))
            {
                asked.Add(i);
            }
        }
        ProcText[] read = context.Procfs.ReadTextBoundedMany(asked.Select(i => $"{pids[i]}/{file}").ToList(), context.Options.ReadTimeout, limit, lines, context.CancellationToken);
        ProcText[] texts = Enumerable.Repeat(new ProcText(null, ReadOutcome.TimedOut), pids.Count).ToArray();
        for (int j = 0; j < asked.Count; j++)
        {
            texts[asked[j]] = read[j];
            Check(context, pids[asked[j]], file, read[j]);
        }
        return texts;
    }

    /// <summary>After a read past its bound, the process's other memory-backed files are not asked for, and a note says why.</summary>
    private static void Check(CaptureContext context, int pid, string file, ProcText text)
    {
        if (text.Outcome == ReadOutcome.TimedOut)
        {
            context.Stuck.Add(pid);
            context.Notes.Add(new Note("timeout",
                $"reading /proc/{pid}/{file} did not finish within {context.Options.ReadTimeout.TotalMilliseconds:0} ms (the process may be stuck in the kernel holding its memory lock): its command line and runtime are left out",
                pid, $"{pid}/{file}"));
        }
    }
}
