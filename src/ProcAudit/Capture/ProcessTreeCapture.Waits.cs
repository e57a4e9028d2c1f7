using System.Collections.Immutable;
using System.Diagnostics;
using ProcAudit.Capture.Procfs;
using ProcAudit.Capture.Syscalls;

namespace ProcAudit.Capture;

internal sealed partial class ProcessTreeCapture
{
    /// <summary>
    /// How long a blocked call waits and, for poll and select, on which descriptors: read from its
    /// arguments (and, live, the structs they point at). A relative sleep also gets the time the
    /// thread went to sleep, so the report can say how much of it is left.
    /// </summary>
    private ThreadInfo WithWaitArguments(int pid, ThreadInfo thread)
    {
        if (thread.Syscall is not { Name: string name } call)
        {
            return thread;
        }
        MemoryReader read = _live ? (address, length) => ProcessMemory.TryRead(pid, address, length) : static (_, _) => null;
        WaitTimer? timer = WaitArguments.Timer(name, call.Args, read, _live ? ClockNow : static _ => null);
        ImmutableArray<int> polled = _live ? WaitArguments.PolledFds(name, call.Args, read) : ImmutableArray<int>.Empty;
        double? offCpu = null;
        if (_live && timer is { Absolute: false, Seconds: double seconds })
        {
            offCpu = OffCpuSeconds(_procfs, pid, thread.Tid);
            if (offCpu is double off)
            {
                timer = timer with { LeftSeconds = Math.Max(0, seconds - off) };
            }
        }
        if (timer is null && polled.IsEmpty)
        {
            return thread;
        }
        return thread with { Syscall = call with { Timer = timer, WaitsOnFds = polled }, OffCpuSeconds = offCpu };
    }

    /// <summary>How long since the thread last ran, from its sched file's exec_start (CONFIG_SCHED_DEBUG); null when the kernel does not say.</summary>
    internal static double? OffCpuSeconds(ProcfsReader procfs, int pid, int tid)
    {
        ProcText sched = procfs.ReadText($"{pid}/task/{tid}/sched");
        if (!sched.Ok || SchedFile.ExecStartMs(sched.Text!) is not double lastRanMs)
        {
            return null;
        }
        // The scheduler's clock can run seconds apart from CLOCK_MONOTONIC (seen on a VM here):
        // "now" on that clock is when our own, running, thread was last scheduled in.
        ProcText self = procfs.ReadText("thread-self/sched");
        double? now = self.Ok && SchedFile.ExecStartMs(self.Text!) is double selfMs ? selfMs / 1000 : ClockNow(1);
        return now is double n ? Math.Max(0, n - lastRanMs / 1000) : null;
    }

    /// <summary>Now on CLOCK_REALTIME (0) or CLOCK_MONOTONIC (1), in seconds; null for other clocks.</summary>
    private static double? ClockNow(int clock) => clock switch
    {
        0 => (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds,
        // Stopwatch reads CLOCK_MONOTONIC on Linux: the clock of futex and clock_nanosleep deadlines (the
        // scheduler's own clock, for off-CPU time, is read from thread-self/sched instead).
        1 => Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency,
        _ => null,
    };
}
