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
    public static Snapshot Apply(Snapshot first, ProcfsReader procfs, IPipeProbe probe, int intervalMs)
    {
        ImmutableArray<ProcessInfo> processes = first.Processes.Select(p => p with
        {
            Threads = p.Threads.Select(t => WithProgress(procfs, p.Pid, t)).ToImmutableArray(),
        }).ToImmutableArray();

        ImmutableArray<PipeInfo> pipes = first.Pipes.Select(pipe =>
        {
            (int Pid, int Fd)? via = ProbeHolder.Choose(pipe.Holders, pid => first.FindProcess(pid)?.InTree == true);
            PipeLevel? later = via is not { } v || pipe.QueuedBytes is null ? null : probe.Probe(v.Pid, v.Fd, pipe.Inode);
            return pipe with { QueuedBytesLater = later?.QueuedBytes };
        }).ToImmutableArray();

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
                Math.Max(0, after.ContextSwitches - before.ContextSwitches),
                changed),
        };
    }
}
