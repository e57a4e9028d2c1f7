using System.Diagnostics;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Capture;

/// <summary>The clocks a sleeping thread is measured against: how long it has slept, and now on the clock of its deadline.</summary>
internal static class WaitClocks
{
    /// <summary>How long since the thread last ran, from its sched file's exec_start (CONFIG_SCHED_DEBUG); null when the kernel does not say.</summary>
    public static double? OffCpuSeconds(ProcfsReader procfs, int pid, int tid)
    {
        ProcText sched = procfs.ReadText($"{pid}/task/{tid}/sched");
        if (!sched.Ok || SchedFile.ExecStartMs(sched.Text!) is not double lastRanMs)
        {
            return null;
        }
        // The scheduler's clock can run seconds apart from CLOCK_MONOTONIC (seen on a VM here):
        // "now" on that clock is when our own, running, thread was last scheduled in.
        ProcText self = procfs.ReadText("thread-self/sched");
        double? now = self.Ok && SchedFile.ExecStartMs(self.Text!) is double selfMs ? selfMs / 1000 : Now(1);
        return now is double n ? Math.Max(0, n - lastRanMs / 1000) : null;
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
