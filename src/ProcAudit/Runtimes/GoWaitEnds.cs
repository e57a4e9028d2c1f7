using ProcAudit.Analysis;

namespace ProcAudit.Runtimes;

/// <summary>Where a goroutine's wait ends, when no edge leaves it: its thread's system call, a timer, its fd, or another goroutine.</summary>
internal static class GoWaitEnds
{
    /// <summary>The program's goroutines, each a waiter of its own; the runtime's are left out.</summary>
    public static IEnumerable<WaitEnd> Waiters(ProcessInfo process) =>
        process.Goroutines.Where(g => !GoWords.IsRuntimeGoroutine(g)).Select(g => new WaitEnd(process.Pid, Goroutine: g.Id));

    /// <summary>The goroutines that could wake a process whose threads all wait inside it.</summary>
    public static IEnumerable<WaitEnd> Leads(IWaitFollower follower, ProcessInfo process) =>
        process.Goroutines.Where(g => !GoWords.IsRuntimeGoroutine(g)
                && (g.Moved || follower.HasEdges(new WaitEnd(process.Pid, Goroutine: g.Id)) || g.Fd is not null || g.WaitReason == "sleep" || g.State is "syscall" or "running" or "runnable"))
            .Select(g => new WaitEnd(process.Pid, Goroutine: g.Id));

    public static WaitLead Follow(IWaitFollower follower, WaitEnd node)
    {
        Describe d = follower.Describe;
        ProcessInfo? process = d.Snapshot.FindProcess(node.Pid);
        GoroutineInfo? g = process?.Goroutines.FirstOrDefault(x => x.Id == node.Goroutine);
        if (process is null || g is null)
        {
            return WaitLead.Here(WaitEndKind.Unexplained, $"goroutine {node.Goroutine} of {d.Process(node.Pid)} was not captured", node);
        }
        if (g.Moved || g.State is "running" or "runnable")
        {
            return WaitLead.Here(WaitEndKind.Moved, $"{d.Who(node)} {(g.Moved ? "moved between the reads" : "is " + g.State)}", node);
        }
        if (follower.AlongEdges(new WaitEnd(node.Pid, Goroutine: g.Id)) is WaitLead lead)
        {
            return lead;
        }
        if (g.State == "syscall" && g.ThreadId is int tid)
        {
            WaitLead onThread = follower.Resolve(new WaitEnd(node.Pid, tid));
            return onThread with { Summary = $"{d.Who(node)} is in a system call: {onThread.Summary}" };
        }
        if (g.WaitReason is "sleep")
        {
            return WaitLead.Here(WaitEndKind.Timer, $"{d.Who(node)} sleeps (time.Sleep)", node);
        }
        if (g.Fd is int fd && process.FindFd(fd) is FdInfo file)
        {
            return follower.FromOwn(node, process, follower.Descriptor(process, file, write: g.FdMode == "write"));
        }
        return follower.Internal(node, process, $"{d.Who(node)} waits ({g.WaitReason ?? g.State}) for another goroutine");
    }
}
