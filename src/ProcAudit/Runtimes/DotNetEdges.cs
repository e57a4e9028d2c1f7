using ProcAudit.Analysis;
using ProcAudit.Kinds;

namespace ProcAudit.Runtimes;

/// <summary>
/// What the .NET view reported: lock owners and waiters (the runtime's own word, so observed), threads whose managed
/// stack is in Process.WaitForExit (which the kernel shows only as a futex wait but which waits for the children to
/// exit), and the async flows read from the heap.
/// </summary>
internal static class DotNetEdges
{
    public static IEnumerable<WaitEdge> Of(KindScope scope, ProcessInfo process)
    {
        List<WaitEdge> edges = new();
        Managed(scope.Snapshot, process, edges);
        Async(scope, process, edges);
        return edges;
    }

    private static void Managed(Snapshot snapshot, ProcessInfo process, List<WaitEdge> edges)
    {
        foreach (ManagedLock l in process.ManagedLocks)
        {
            if (l.OwnerTid is not int owner)
            {
                continue;
            }
            foreach (int waiter in l.WaiterTids.Where(w => w != owner))
            {
                if (process.Threads.FirstOrDefault(t => t.Tid == waiter)?.Progress?.Moved == true)
                {
                    continue;
                }
                edges.Add(new WaitEdge(new WaitEnd(process.Pid, waiter), new WaitEnd(process.Pid, owner), l.Id, WaitReasons.ManagedLock, Certainty.Observed,
                    $"the .NET runtime reports thread {waiter} waiting to enter the lock on {l.Type ?? "an object"} ({l.Kind}) that thread {owner} owns"));
            }
        }
        foreach (ThreadInfo thread in process.Threads)
        {
            string? frame = DotNetWords.WaitForExitFrame(thread);
            if (frame is null || thread.Progress?.Moved == true)
            {
                continue;
            }
            foreach (ProcessInfo child in snapshot.Processes.Where(p => p.PPid == process.Pid && p.State != "Z"))
            {
                edges.Add(new WaitEdge(new WaitEnd(process.Pid, thread.Tid), new WaitEnd(child.Pid), null, WaitReasons.WaitChildExit, Certainty.Observed,
                    $"thread {thread.Tid} is in the managed frame {frame}, waiting for child {child.Pid} to exit"));
            }
        }
    }

    /// <summary>
    /// A flow queued on a SemaphoreSlim waits for the flow taken to hold it (the runtime records no holder, so
    /// inferred, with the evidence), and a thread blocked in Task.Wait or .Result waits for the flow it is blocked on
    /// (the event it sleeps on is that flow's continuation: the runtime's own link, so observed). Flows that moved
    /// between the two reads give no edge.
    /// </summary>
    private static void Async(KindScope scope, ProcessInfo process, List<WaitEdge> edges)
    {
        Dictionary<string, AsyncFlowInfo> flows = process.AsyncFlows.ToDictionary(f => f.Id);
        foreach (AsyncLockInfo l in process.AsyncLocks)
        {
            foreach (string waiter in l.Waiters)
            {
                if (!flows.TryGetValue(waiter, out AsyncFlowInfo? w) || w.Moved)
                {
                    continue;
                }
                foreach (AsyncHolder holder in l.Holders.Where(h => h.Flow != waiter))
                {
                    edges.Add(new WaitEdge(new WaitEnd(process.Pid, Flow: waiter), new WaitEnd(process.Pid, Flow: holder.Flow), l.Id, WaitReasons.AsyncLock, Certainty.Inferred,
                        $"the flow awaits SemaphoreSlim.WaitAsync on {l.Id} (count {l.CurrentCount}); taken as its holder: {holder.Evidence}"));
                }
            }
        }
        foreach (AsyncFlowInfo f in process.AsyncFlows.Where(f => !f.Moved))
        {
            WaitEnd from = new(process.Pid, Flow: f.Id);
            // A full channel no flow waits to read waits for the flows that hold its reader, busy elsewhere.
            if (f.Awaits == "channel-write" && f.ChannelCount >= f.ChannelCapacity)
            {
                foreach (AsyncHolder reader in f.ChannelReaders.Where(r => flows.TryGetValue(r.Flow, out AsyncFlowInfo? x) && !x.Moved))
                {
                    edges.Add(new WaitEdge(from, new WaitEnd(process.Pid, Flow: reader.Flow), f.WaitsOn, WaitReasons.AsyncChannel, Certainty.Inferred,
                        $"the flow awaits WriteAsync on {f.WaitsOn}, full ({f.ChannelCount}/{f.ChannelCapacity}), and no flow waits to read it; taken as its reader: {reader.Evidence}"));
                }
            }
            // Socket I/O the flow awaits, as its socket event args in the heap say: the kernel's queues say whom it waits for.
            if (f.Awaits == "socket" && f.Operation is "Send" or "Receive" && f.Fd is int fd && process.FindFd(fd) is FdInfo file
                && SocketWaiter.Edges(scope, process, from, file, f.Operation == "Send", $"the flow awaits a {f.Operation} on fd {fd} ({file.Target}), as its socket event args in the heap say") is List<WaitEdge> onSocket)
            {
                edges.AddRange(onSocket);
            }
        }

        // A continuation posted to a single-threaded context runs only on the thread whose context it is.
        foreach (AsyncFlowInfo f in process.AsyncFlows.Where(f => !f.Moved && f.Awaits == "sync-context" && f.ContextThreads.Length == 1))
        {
            int owner = f.ContextThreads[0];
            if (process.Threads.FirstOrDefault(t => t.Tid == owner) is ThreadInfo t && t.Progress?.Moved != true)
            {
                edges.Add(new WaitEdge(new WaitEnd(process.Pid, Flow: f.Id), new WaitEnd(process.Pid, owner), f.WaitsOn, WaitReasons.SyncContext, Certainty.Inferred,
                    $"the flow's continuation was posted to {f.ContextType} ({f.WaitsOn}) and sits in its queue; thread {owner} is the one whose SynchronizationContext.Current it is, taken as the thread that runs what is posted to it"));
            }
        }
        foreach (AsyncFlowInfo f in process.AsyncFlows.Where(f => !f.Moved))
        {
            foreach (int tid in f.BlockedThreads)
            {
                if (process.Threads.FirstOrDefault(t => t.Tid == tid) is ThreadInfo t && t.Progress?.Moved != true)
                {
                    edges.Add(new WaitEdge(new WaitEnd(process.Pid, tid), new WaitEnd(process.Pid, Flow: f.Id), f.Id, WaitReasons.AsyncWait, Certainty.Observed,
                        $"thread {tid} is blocked synchronously (Task.Wait, .Result) on the task of flow {f.Frames.FirstOrDefault() ?? f.Id}: the event it sleeps on is that task's continuation"));
                }
            }
        }
    }
}
