using System.Diagnostics;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Capture;

/// <summary>The clocks a sleeping thread is measured against: how long it has slept, and now on the clock of its deadline.</summary>
internal static class WaitClocks
{
    /// <summary>How long since the thread last ran, from its sched file's exec_start (CONFIG_SCHED_DEBUG); null when the kernel does not say.</summary>
    public static double? OffCpuSeconds(ProcfsReader procfs, int pid, int tid) =>
        LastRanSeconds(procfs, pid, tid) is double lastRan && SchedulerNow(procfs) is double now ? Math.Max(0, now - lastRan) : null;

    /// <summary>When the thread was last scheduled in, on the scheduler's clock (its sched file's exec_start); null when the kernel does not say.</summary>
    public static double? LastRanSeconds(ProcfsReader procfs, int pid, int tid)
    {
        ProcText sched = procfs.ReadText($"{pid}/task/{tid}/sched", 64 * 1024, SchedFile.ExecStartLine);
        return sched.Ok && SchedFile.ExecStartMs(sched.Text!) is double lastRanMs ? lastRanMs / 1000 : null;
    }

    /// <summary>
    /// Now on the scheduler's clock, which can run seconds apart from CLOCK_MONOTONIC (seen on a VM
    /// here): when our own, running, thread was last scheduled in. Read it after the threads it is
    /// compared with, so that it is later than any of them.
    /// </summary>
    public static double? SchedulerNow(ProcfsReader procfs)
    {
        ProcText self = procfs.ReadText("thread-self/sched", 64 * 1024, SchedFile.ExecStartLine);
        return self.Ok && SchedFile.ExecStartMs(self.Text!) is double selfMs ? selfMs / 1000 : Now(1);
    }

    /// <summary>Now on CLOCK_REALTIME (0) or CLOCK_MONOTONIC (1), in seconds; null for other clocks.</summary>
    public static double? Now(int clock) => clock switch
    {
        0 => (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds,
        // Stopwatch reads CLOCK_MONOTONIC on Linux: the clock of futex and clock_nanosleep deadlines (the
        // scheduler's own clock, for off-CPU time, is read from thread-self/sched instead).
        1 => Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency,
        _ => null,
    };
}
