using System.Collections.Immutable;
using ProcAudit.Capture.Syscalls;

namespace ProcAudit.Capture.Processes;

/// <summary>
/// How long a blocked call waits and, for poll and select, on which descriptors: read from its
/// arguments (and, live, the structs they point at). A relative sleep also gets the time the
/// thread went to sleep, so the report can say how much of it is left.
/// </summary>
internal static class ThreadWaits
{
    public static ThreadInfo WithArguments(CaptureContext context, int pid, ThreadInfo thread)
    {
        if (thread.Syscall is not { Name: string name } call)
        {
            return thread;
        }
        bool live = context.Live;
        MemoryReader read = live ? (address, length) => ProcessMemory.TryRead(pid, address, length) : static (_, _) => null;
        WaitTimer? timer = WaitArguments.Timer(name, call.Args, read, live ? WaitClocks.Now : static _ => null);
        ImmutableArray<int> polled = live ? WaitArguments.PolledFds(name, call.Args, read) : ImmutableArray<int>.Empty;
        double? offCpu = null;
        if (live && timer is { Absolute: false, Seconds: double seconds })
        {
            offCpu = WaitClocks.OffCpuSeconds(context.Procfs, pid, thread.Tid);
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
}
