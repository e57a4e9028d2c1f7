using ProcAudit.Capture.Procfs;

namespace ProcAudit.Capture;

/// <summary>The cheap per-thread reading taken at each sample: where it is and how much it has done.</summary>
internal sealed record ThreadSample(string Comm, string State, long CpuTicks, long ContextSwitches, SyscallRecord? Syscall, bool SyscallDenied);

/// <summary>Reads stat, status and syscall of one thread: what the progress check compares between samples.</summary>
internal static class ThreadSampler
{
    public static ThreadSample? Read(ProcfsReader procfs, int pid, int tid)
    {
        ProcText stat = procfs.ReadText($"{pid}/task/{tid}/stat");
        if (!stat.Ok || StatFile.Parse(stat.Text!) is not StatRecord s)
        {
            return null;
        }
        ProcText status = procfs.ReadText($"{pid}/task/{tid}/status");
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
