using ProcAudit.Analysis;

namespace ProcAudit.Runtimes;

/// <summary>Where an async flow's wait ends, when no edge leaves it: what its innermost method awaits.</summary>
internal static class AsyncWaitEnds
{
    /// <summary>Every pending flow, a waiter of its own.</summary>
    public static IEnumerable<WaitEnd> Waiters(ProcessInfo process) => process.AsyncFlows.Select(f => new WaitEnd(process.Pid, Flow: f.Id));

    /// <summary>The flows that could wake a process whose threads all wait inside it.</summary>
    public static IEnumerable<WaitEnd> Leads(IWaitFollower follower, ProcessInfo process) =>
        process.AsyncFlows.Where(x => x.Moved || follower.HasEdges(new WaitEnd(process.Pid, Flow: x.Id))
                || x.Awaits is "delay" or "socket" or "promise" or "semaphore" or "thread-pool" or "sync-context" or "running")
            .Select(x => new WaitEnd(process.Pid, Flow: x.Id));

    public static WaitLead Follow(IWaitFollower follower, WaitEnd node)
    {
        Describe d = follower.Describe;
        ProcessInfo? process = d.Snapshot.FindProcess(node.Pid);
        AsyncFlowInfo? flow = process?.AsyncFlows.FirstOrDefault(x => x.Id == node.Flow);
        if (process is null || flow is null)
        {
            return WaitLead.Here(WaitEndKind.Unexplained, $"{node.Flow} of {d.Process(node.Pid)} was not captured", node);
        }
        string who = d.Who(node);
        if (flow.Moved || flow.Awaits == "running")
        {
            return WaitLead.Here(WaitEndKind.Moved, $"{who} {(flow.Moved ? "moved between the reads of the heap" : "is running")}", node);
        }
        if (follower.AlongEdges(node) is WaitLead lead)
        {
            return lead;
        }
        switch (flow.Awaits)
        {
            case "delay":
                return WaitLead.Here(WaitEndKind.Timer, $"{who} awaits Task.Delay", node);
            case "socket" when flow.Fd is int fd && process.FindFd(fd) is FdInfo socketFd:
                OwnWait own = flow.Operation == "Accept" ? OwnWait.End(WaitEndKind.Outside, $"awaits a connection ({socketFd.Target})") : follower.Descriptor(process, socketFd, write: flow.Operation == "Send");
                return follower.FromOwn(node, process, own);
            case "thread-pool":
                return AsyncStallFinder.Starved(process) is { } workers
                    ? WaitLead.Here(WaitEndKind.Cycle, $"{who} is queued for a thread-pool thread, and every one of the pool's {workers.Count} threads is blocked (thread-pool starvation)", node)
                    : WaitLead.Here(WaitEndKind.Moved, $"{who} is queued for a thread-pool thread, and the pool has a thread that can take it", node);
            case "promise":
                return WaitLead.Here(WaitEndKind.Unexplained, $"{who} awaits a TaskCompletionSource ({flow.WaitsOn}) that nothing has completed, and ProcAudit cannot tell what would", node);
            case "semaphore":
                return WaitLead.Here(WaitEndKind.Unexplained, $"{who} awaits SemaphoreSlim.WaitAsync on {flow.WaitsOn}, whose holder could not be found", node);
            default:
                return follower.Internal(node, process, $"{who} awaits {flow.Awaits}{(flow.WaitsOn is null ? "" : " on " + flow.WaitsOn)}");
        }
    }
}
