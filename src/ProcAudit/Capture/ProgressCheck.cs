using System.Collections.Immutable;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Capture;

/// <summary>
/// The second look: after the interval, re-reads the counters of every captured thread and the
/// level of every pipe, and records what moved. Threads are read before pipes so that nothing a
/// probe stirs up is counted as progress.
/// </summary>
internal static class ProgressCheck
{
    /// <param name="first">The first sample.</param>
    /// <param name="procfs">Where to read the threads again.</param>
    /// <param name="probe">Reads the pipes' levels again.</param>
    /// <param name="intervalMs">The time between the samples.</param>
    /// <param name="known">
    /// A thread's progress when the caller has measured it already (a scan's cheap looks), so that
    /// only the others are read again; null for a thread to read.
    /// </param>
    /// <param name="parallel">Probe the pipes on every core (a scan's hundreds of them; the probe must be safe to share).</param>
    public static Snapshot Apply(Snapshot first, ProcfsReader procfs, IPipeProbe probe, int intervalMs, Func<int, ThreadInfo, ThreadProgress?>? known = null, bool parallel = false)
    {
        ImmutableArray<ProcessInfo> processes = first.Processes.Select(p => p with
        {
            Threads = p.Threads.Select(t => known?.Invoke(p.Pid, t) is ThreadProgress measured ? t with { Progress = measured } : WithProgress(procfs, p.Pid, t)).ToImmutableArray(),
        }).ToImmutableArray();

        // Each measured pipe is measured again through the holder chosen the first time, each holder's pipes together.
        PipeInfo[] checkedPipes = first.Pipes.ToArray();
        List<int> measured = new();
        List<(int Pid, int Fd, ulong Inode)> via = new();
        for (int i = 0; i < checkedPipes.Length; i++)
        {
            PipeInfo pipe = checkedPipes[i];
            if (pipe.QueuedBytes is null)
            {
                // Never measured (a scan leaves the pipes nobody waits on unprobed: 16,000 of them at 16x), so not again: kept as it is, not copied.
                checkedPipes[i] = pipe.QueuedBytesLater is null ? pipe : pipe with { QueuedBytesLater = null };
            }
            else if (ProbeHolder.Choose(pipe.Holders, pid => first.FindProcess(pid)?.InTree == true) is { } v)
            {
                measured.Add(i);
                via.Add((v.Pid, v.Fd, pipe.Inode));
            }
            else
            {
                checkedPipes[i] = pipe with { QueuedBytesLater = null };
            }
        }
        PipeLevel[] levels = ProbeBatch.Measure(probe, via, parallel, CancellationToken.None);
        for (int j = 0; j < measured.Count; j++)
        {
            checkedPipes[measured[j]] = checkedPipes[measured[j]] with { QueuedBytesLater = levels[j].QueuedBytes };
        }
        ImmutableArray<PipeInfo> pipes = checkedPipes.ToImmutableArray();

        // The root may have exited during the interval: then what was seen is no longer a hang.
        ThreadSample? root = ThreadSampler.Read(procfs, first.Root, first.Root);
        bool rootExited = first.RootExited || root is null || root.State == "Z";
        return first with { Processes = processes, Pipes = pipes, IntervalMs = intervalMs, RootExited = rootExited };
    }

    private static ThreadInfo WithProgress(ProcfsReader procfs, int pid, ThreadInfo before)
    {
        ThreadSample? after = ThreadSampler.Read(procfs, pid, before.Tid);
        if (after is null)
        {
            // Gone: an exited thread certainly is not blocked any more.
            return before with { Progress = new ThreadProgress(0, 0, SyscallChanged: true) };
        }
        long? number = after.Syscall is { InSyscall: true } s ? s.Number : null;
        bool changed = number != before.Syscall?.Number;
        return before with
        {
            Progress = new ThreadProgress(
                Math.Max(0, after.CpuTicks - before.CpuTicks),
                before.ContextSwitches == 0 ? 0 : Math.Max(0, after.ContextSwitches - before.ContextSwitches), // 0: not read (a lean capture)
                changed),
        };
    }
}
