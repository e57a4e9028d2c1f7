using ProcAudit.Capture.Procfs;

namespace ProcAudit.Capture;

/// <summary>The cheap per-thread reading taken at each sample: where it is and how much it has done.</summary>
internal sealed record ThreadSample(string Comm, string State, long CpuTicks, long ContextSwitches, SyscallRecord? Syscall, bool SyscallDenied);

/// <summary>Reads stat, status and syscall of one thread: what the progress check compares between samples.</summary>
internal static class ThreadSampler
{
    /// <param name="procfs">Where to read.</param>
    /// <param name="pid">The process.</param>
    /// <param name="tid">The thread.</param>
    /// <param name="switches">
    /// False to leave out status (ContextSwitches 0, which no thread that ever ran shows): a scan
    /// measures progress by schedstat, and status is the costliest of the three files to generate.
    /// </param>
    public static ThreadSample? Read(ProcfsReader procfs, int pid, int tid, bool switches = true)
    {
        ProcText stat = procfs.ReadText($"{pid}/task/{tid}/stat");
        if (!stat.Ok || StatFile.Parse(stat.Text!) is not StatRecord s)
        {
            return null;
        }
        ProcText status = switches ? procfs.ReadText($"{pid}/task/{tid}/status") : default;
        StatusRecord? st = status.Ok ? StatusFile.Parse(status.Text!) : null;
        ProcText syscall = procfs.ReadText($"{pid}/task/{tid}/syscall");
        return new ThreadSample(
            s.Comm,
            s.State,
            s.UTime + s.STime,
            st is null ? 0 : st.VoluntarySwitches + st.InvoluntarySwitches,
            syscall.Ok ? SyscallFile.Parse(syscall.Text!) : null,
            syscall.Outcome == ReadOutcome.Denied);
    }
}
