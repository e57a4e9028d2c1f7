using System.Collections.Immutable;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Capture.Processes;

/// <summary>
/// Reads a process's fds, threads and command line, then its stat again: a process that execs
/// in between would otherwise be reported with the old program's name and the new one's command
/// line. After an exec the reads are made once more; a process that execs again meanwhile is
/// reported as last read, with a note that its record may mix two programs.
/// </summary>
internal static class ProcessImage
{
    /// <summary>At most this much of a command line is read.</summary>
    public const int CmdlineLimit = 128 * 1024;

    /// <param name="context">The capture it is read for.</param>
    /// <param name="stat">Its stat, read before anything else of it.</param>
    /// <param name="fdsReadAlready">Its fds when the holder scan read them after <paramref name="stat"/>.</param>
    /// <param name="cmdlineLater">
    /// A scan's process its look saw: the command line is left for the caller to read with every other
    /// process's in one batch (<see cref="MemoryBackedFiles.ReadMany"/>); the reading holds a placeholder.
    /// </param>
    public static ProcessReading Read(CaptureContext context, StatRecord stat, List<FdInfo>? fdsReadAlready = null, bool cmdlineLater = false)
    {
        int pid = stat.Pid;
        for (int attempt = 0; ; attempt++)
        {
            List<FdInfo> fds = attempt == 0 && fdsReadAlready is not null ? fdsReadAlready : FdReader.Read(context, pid);
            ImmutableArray<ThreadInfo> threads = stat.IsKernelThread ? ImmutableArray<ThreadInfo>.Empty : ThreadReader.Read(context, pid, fds);
            bool looked = context.Look?.ContainsKey(pid) == true;
            ProcText cmdline = looked && cmdlineLater ? new ProcText(null, ReadOutcome.Gone)
                : context.TooLateForBlockingReads(pid) ? new ProcText(null, ReadOutcome.TimedOut)
                : MemoryBackedFiles.Read(context, pid, "cmdline", CmdlineLimit);
            if (looked)
            {
                return new ProcessReading(stat, fds, threads, cmdline); // the scan's next look tells an exec or a reused pid, as a move
            }
            ProcText again = context.Procfs.ReadText($"{pid}/stat");
            StatRecord? after = again.Ok ? StatFile.Parse(again.Text!) : null;
            switch (ImageCheck.Compare(stat, after))
            {
                case ImageChange.Same:
                case ImageChange.Exited:
                    return new ProcessReading(stat, fds, threads, cmdline);
                case ImageChange.PidReused:
                    context.Notes.Add(new Note("gone", $"{stat.Comm} {pid} exited while it was read and its pid now belongs to another process: only its stat is kept", pid));
                    return new ProcessReading(stat, new List<FdInfo>(), ImmutableArray<ThreadInfo>.Empty, new ProcText(null, ReadOutcome.Gone));
                case ImageChange.Execed when attempt == 0:
                    stat = after!;
                    continue;
                default:
                    context.Notes.Add(new Note("changed",
                        $"{after!.Comm} {pid} changed (exec) while read, twice: its name, threads, fds and command line may come from two programs", pid));
                    return new ProcessReading(after, fds, threads, cmdline);
            }
        }
    }
}
