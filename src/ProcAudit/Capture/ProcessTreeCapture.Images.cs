using System.Collections.Immutable;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Capture;

internal sealed partial class ProcessTreeCapture
{
    /// <summary>The fds, threads and command line of one process, and the stat that names them.</summary>
    private sealed record ProcessReading(StatRecord Stat, List<FdInfo> Fds, ImmutableArray<ThreadInfo> Threads, ProcText Cmdline);

    /// <summary>
    /// Reads a process's fds, threads and command line, then its stat again: a process that execs
    /// in between would otherwise be reported with the old program's name and the new one's command
    /// line. After an exec the reads are made once more; a process that execs again meanwhile is
    /// reported as last read, with a note that its record may mix two programs.
    /// </summary>
    /// <param name="stat">Its stat, read before anything else of it.</param>
    /// <param name="fdsReadAlready">Its fds when the holder scan read them after <paramref name="stat"/>.</param>
    private ProcessReading ReadOneImage(StatRecord stat, List<FdInfo>? fdsReadAlready = null)
    {
        int pid = stat.Pid;
        for (int attempt = 0; ; attempt++)
        {
            List<FdInfo> fds = attempt == 0 && fdsReadAlready is not null ? fdsReadAlready : ReadFds(pid, withInfo: true);
            ImmutableArray<ThreadInfo> threads = stat.IsKernelThread ? ImmutableArray<ThreadInfo>.Empty : ReadThreads(pid, fds);
            // Past the deadline only what stat already told is kept: no more reads that could block.
            bool late = pid != _root && PastDeadline(0, "command lines and runtimes");
            ProcText cmdline = late ? new ProcText(null, ReadOutcome.TimedOut) : ReadMemoryBacked(pid, "cmdline", 128 * 1024);
            ProcText again = _procfs.ReadText($"{pid}/stat");
            StatRecord? after = again.Ok ? StatFile.Parse(again.Text!) : null;
            switch (ImageCheck.Compare(stat, after))
            {
                case ImageChange.Same:
                case ImageChange.Exited:
                    return new ProcessReading(stat, fds, threads, cmdline);
                case ImageChange.PidReused:
                    _notes.Add(new Note("gone", $"{stat.Comm} {pid} exited while it was read and its pid now belongs to another process: only its stat is kept", pid));
                    return new ProcessReading(stat, new List<FdInfo>(), ImmutableArray<ThreadInfo>.Empty, new ProcText(null, ReadOutcome.Gone));
                case ImageChange.Execed when attempt == 0:
                    stat = after!;
                    continue;
                default:
                    _notes.Add(new Note("changed",
                        $"{after!.Comm} {pid} changed (exec) while read, twice: its name, threads, fds and command line may come from two programs", pid));
                    return new ProcessReading(after, fds, threads, cmdline);
            }
        }
    }
}
