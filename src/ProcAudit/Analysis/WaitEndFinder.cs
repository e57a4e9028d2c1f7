using System.Collections.Immutable;
using ProcAudit.Kinds;
using ProcAudit.Runtimes;

namespace ProcAudit.Analysis;

/// <summary>
/// Follows every waiting thread (and goroutine) of the tree along the wait-for edges to where the
/// wait ends: something that moved, a timer, the outside world, a stopped process, a cycle, or
/// somewhere ProcAudit cannot explain. A waiter with several ways out (a poll set, a pipe with two
/// writers) ends where its most hopeful way ends: any one of them could wake it.
/// </summary>
internal sealed class WaitEndFinder
{
    private readonly Snapshot _snapshot;
    private readonly ILookup<WaitEnd, WaitEdge> _from;
    private readonly OwnWaits _own;
    private readonly Describe _d;
    private readonly Dictionary<WaitEnd, Resolved> _done = new();
    private readonly HashSet<WaitEnd> _visiting = new();
    private readonly Dictionary<(int Pid, int Tid), OwnWait> _ownWaits = new();

    private WaitEndFinder(KindScope scope, ImmutableArray<WaitEdge> edges, Describe d)
    {
        _snapshot = scope.Snapshot;
        _from = edges.ToLookup(e => e.From);
        _own = new OwnWaits(scope);
        _d = d;
    }

    /// <summary>Where each waiting thread or goroutine of the audited tree ends, in process and thread order.</summary>
    public static ImmutableArray<WaitOutcome> Find(KindScope scope, ImmutableArray<WaitEdge> edges, Describe d)
    {
        Snapshot snapshot = scope.Snapshot;
        WaitEndFinder finder = new(scope, edges, d);
        ImmutableArray<WaitOutcome>.Builder outcomes = ImmutableArray.CreateBuilder<WaitOutcome>();
        foreach (ProcessInfo process in snapshot.Processes.Where(p => p.InTree && p.State != "Z" && !p.KernelThread))
        {
            foreach (WaitEnd waiter in Waiters(process))
            {
                Resolved r = finder.Resolve(waiter);
                outcomes.Add(new WaitOutcome(waiter, r.Kind, r.Summary, r.At, r.Chain));
            }
        }
        return outcomes.ToImmutable();
    }

    /// <summary>The program's own threads and goroutines: not a runtime's housekeeping, not its own goroutines.</summary>
    private static IEnumerable<WaitEnd> Waiters(ProcessInfo process)
    {
        foreach (ThreadInfo t in process.Threads.Where(t => !RuntimeRegistry.IsHousekeeping(process, t)))
        {
            yield return new WaitEnd(process.Pid, t.Tid);
        }
        foreach (GoroutineInfo g in process.Goroutines.Where(g => !GoWords.IsRuntimeGoroutine(g)))
        {
            yield return new WaitEnd(process.Pid, Goroutine: g.Id);
        }
        foreach (AsyncFlowInfo f in process.AsyncFlows)
        {
            yield return new WaitEnd(process.Pid, Flow: f.Id);
        }
    }

    private sealed record Resolved(WaitEndKind Kind, string Summary, WaitEnd At, ImmutableArray<WaitEdge> Chain);

    private Resolved Resolve(WaitEnd node)
    {
        if (_done.TryGetValue(node, out Resolved? known))
        {
            return known;
        }
        if (!_visiting.Add(node))
        {
            return new Resolved(WaitEndKind.Cycle, $"{_d.Who(node)} waits in a cycle that leads back to itself", node, ImmutableArray<WaitEdge>.Empty);
        }
        try
        {
            Resolved r = node.Flow is not null ? Flow(node)
                : node.Goroutine is not null ? Goroutine(node)
                : node.Tid is int tid ? Thread(node, tid)
                : Process(node.Pid);
            _done[node] = r;
            return r;
        }
        finally
        {
            _visiting.Remove(node);
        }
    }

    private Resolved Thread(WaitEnd node, int tid)
    {
        ProcessInfo? process = _snapshot.FindProcess(node.Pid);
        ThreadInfo? thread = process?.Threads.FirstOrDefault(t => t.Tid == tid);
        if (process is null || thread is null)
        {
            return new Resolved(WaitEndKind.Unexplained, $"thread {tid} of {_d.Process(node.Pid)} was not captured", node, ImmutableArray<WaitEdge>.Empty);
        }
        if (Active(thread) is string moving)
        {
            return new Resolved(WaitEndKind.Moved, $"{_d.Who(node)} {moving}", node, ImmutableArray<WaitEdge>.Empty);
        }
        List<Resolved> leads = Follow(_from[new WaitEnd(node.Pid, tid)]);
        OwnWait own = Own(process, thread);
        // A poller carries the waits inferred for its whole process from its epoll set.
        if (thread.Syscall?.Shape == SyscallShape.Poll)
        {
            leads.AddRange(Follow(_from[new WaitEnd(node.Pid)]));
        }
        if (leads.Count == 0 || own.Kind is WaitEndKind.Timer or WaitEndKind.Outside)
        {
            leads.Add(FromOwn(node, process, own));
        }
        return MostHopeful(leads);
    }

    private Resolved Goroutine(WaitEnd node)
    {
        ProcessInfo? process = _snapshot.FindProcess(node.Pid);
        GoroutineInfo? g = process?.Goroutines.FirstOrDefault(x => x.Id == node.Goroutine);
        if (process is null || g is null)
        {
            return new Resolved(WaitEndKind.Unexplained, $"goroutine {node.Goroutine} of {_d.Process(node.Pid)} was not captured", node, ImmutableArray<WaitEdge>.Empty);
        }
        if (g.Moved || g.State is "running" or "runnable")
        {
            return new Resolved(WaitEndKind.Moved, $"{_d.Who(node)} {(g.Moved ? "moved between the reads" : "is " + g.State)}", node, ImmutableArray<WaitEdge>.Empty);
        }
        List<Resolved> leads = Follow(_from[new WaitEnd(node.Pid, Goroutine: g.Id)]);
        if (leads.Count > 0)
        {
            return MostHopeful(leads);
        }
        if (g.State == "syscall" && g.ThreadId is int tid)
        {
            Resolved onThread = Resolve(new WaitEnd(node.Pid, tid));
            return onThread with { Summary = $"{_d.Who(node)} is in a system call: {onThread.Summary}" };
        }
        if (g.WaitReason is "sleep")
        {
            return new Resolved(WaitEndKind.Timer, $"{_d.Who(node)} sleeps (time.Sleep)", node, ImmutableArray<WaitEdge>.Empty);
        }
        if (g.Fd is int fd && process.FindFd(fd) is FdInfo f)
        {
            return FromOwn(node, process, _own.Descriptor(process, f, write: g.FdMode == "write"));
        }
        return Internal(node, process, $"{_d.Who(node)} waits ({g.WaitReason ?? g.State}) for another goroutine");
    }

    /// <summary>An async flow: what its innermost method awaits, or the flows its await leads to.</summary>
    private Resolved Flow(WaitEnd node)
    {
        ProcessInfo? process = _snapshot.FindProcess(node.Pid);
        AsyncFlowInfo? f = process?.AsyncFlows.FirstOrDefault(x => x.Id == node.Flow);
        if (process is null || f is null)
        {
            return new Resolved(WaitEndKind.Unexplained, $"{node.Flow} of {_d.Process(node.Pid)} was not captured", node, ImmutableArray<WaitEdge>.Empty);
        }
        string who = _d.Who(node);
        if (f.Moved || f.Awaits == "running")
        {
            return new Resolved(WaitEndKind.Moved, $"{who} {(f.Moved ? "moved between the reads of the heap" : "is running")}", node, ImmutableArray<WaitEdge>.Empty);
        }
        List<Resolved> leads = Follow(_from[node]);
        if (leads.Count > 0)
        {
            return MostHopeful(leads);
        }
        switch (f.Awaits)
        {
            case "delay":
                return new Resolved(WaitEndKind.Timer, $"{who} awaits Task.Delay", node, ImmutableArray<WaitEdge>.Empty);
            case "socket" when f.Fd is int fd && process.FindFd(fd) is FdInfo socketFd:
                OwnWait own = f.Operation == "Accept" ? OwnWait.End(WaitEndKind.Outside, $"awaits a connection ({socketFd.Target})") : _own.Descriptor(process, socketFd, write: f.Operation == "Send");
                return FromOwn(node, process, own);
            case "thread-pool":
                return AsyncStallFinder.Starved(process) is { } workers
                    ? new Resolved(WaitEndKind.Cycle, $"{who} is queued for a thread-pool thread, and every one of the pool's {workers.Count} threads is blocked (thread-pool starvation)", node, ImmutableArray<WaitEdge>.Empty)
                    : new Resolved(WaitEndKind.Moved, $"{who} is queued for a thread-pool thread, and the pool has a thread that can take it", node, ImmutableArray<WaitEdge>.Empty);
            case "promise":
                return new Resolved(WaitEndKind.Unexplained, $"{who} awaits a TaskCompletionSource ({f.WaitsOn}) that nothing has completed, and ProcAudit cannot tell what would", node, ImmutableArray<WaitEdge>.Empty);
            case "semaphore":
                return new Resolved(WaitEndKind.Unexplained, $"{who} awaits SemaphoreSlim.WaitAsync on {f.WaitsOn}, whose holder could not be found", node, ImmutableArray<WaitEdge>.Empty);
            default:
                return Internal(node, process, $"{who} awaits {f.Awaits}{(f.WaitsOn is null ? "" : " on " + f.WaitsOn)}");
        }
    }

    /// <summary>A process as a whole, for an edge that names no thread: any of its threads could act.</summary>
    private Resolved Process(int pid)
    {
        WaitEnd node = new(pid);
        ProcessInfo? process = _snapshot.FindProcess(pid);
        if (process is null)
        {
            return new Resolved(WaitEndKind.Unexplained, $"process {pid} was not captured", node, ImmutableArray<WaitEdge>.Empty);
        }
        if (process.State == "Z")
        {
            return new Resolved(WaitEndKind.Moved, $"{_d.Process(pid)} has exited (zombie)", node, ImmutableArray<WaitEdge>.Empty);
        }
        if (process.State is "T" or "t")
        {
            return new Resolved(WaitEndKind.Stopped, $"{_d.Process(pid)} is stopped{(process.TracerPid is int tracer ? $" by its tracer {_d.Process(tracer)}" : "")}", node, ImmutableArray<WaitEdge>.Empty);
        }
        if (process.Restricted || process.KernelThread)
        {
            return new Resolved(WaitEndKind.Unexplained, $"{_d.Process(pid)} could not be looked into{(process.Restricted ? " (another user's process)" : " (a kernel thread)")}", node, ImmutableArray<WaitEdge>.Empty);
        }
        List<Resolved> leads = Waiters(process).Select(Resolve).ToList();
        leads.AddRange(Follow(_from[new WaitEnd(pid)]));
        return leads.Count == 0
            ? new Resolved(WaitEndKind.Unexplained, $"{_d.Process(pid)} has no thread ProcAudit could look at", node, ImmutableArray<WaitEdge>.Empty)
            : MostHopeful(leads);
    }

    private List<Resolved> Follow(IEnumerable<WaitEdge> edges)
    {
        List<Resolved> leads = new();
        foreach (WaitEdge e in edges)
        {
            Resolved next = Resolve(e.To);
            leads.Add(next with { Chain = next.Chain.Insert(0, e) });
        }
        return leads;
    }

    private Resolved FromOwn(WaitEnd node, ProcessInfo process, OwnWait own)
    {
        if (!own.Others.IsEmpty)
        {
            List<Resolved> others = own.Others.Select(pid => Resolve(new WaitEnd(pid))).ToList();
            Resolved best = MostHopeful(others);
            return best with { Summary = $"{_d.Who(node)} {own.Summary}; {best.Summary}" };
        }
        return own.Kind == WaitEndKind.Internal
            ? Internal(node, process, $"{_d.Who(node)} {own.Summary}")
            : new Resolved(own.Kind, $"{_d.Who(node)} {own.Summary}", node, ImmutableArray<WaitEdge>.Empty);
    }

    /// <summary>
    /// A thread that waits on its own process ends where the process's other waits end; when every
    /// thread waits inside the process, nothing outside it is awaited and ProcAudit cannot tell what
    /// would wake it.
    /// </summary>
    private Resolved Internal(WaitEnd node, ProcessInfo process, string summary)
    {
        List<Resolved> leads = new();
        foreach (ThreadInfo t in process.Threads)
        {
            WaitEnd other = new(process.Pid, t.Tid);
            if (other == node || _visiting.Contains(other))
            {
                continue;
            }
            bool housekeeping = RuntimeRegistry.IsHousekeeping(process, t);
            // A runtime thread with a time limit may keep a timer for the program (Go's time.Sleep, a Ticker, time.After).
            if (housekeeping && !(RuntimeRegistry.For(process.Runtime)?.KeepsProgramTimers == true && t.Syscall?.Timer is not null))
            {
                continue;
            }
            if (Active(t) is not null || !IsInternal(process, t))
            {
                leads.Add(Resolve(other));
            }
        }
        foreach (GoroutineInfo g in process.Goroutines.Where(g => !GoWords.IsRuntimeGoroutine(g)))
        {
            WaitEnd other = new(process.Pid, Goroutine: g.Id);
            if (other != node && !_visiting.Contains(other) && (g.Moved || _from[new WaitEnd(process.Pid, Goroutine: g.Id)].Any() || g.Fd is not null || g.WaitReason == "sleep" || g.State is "syscall" or "running" or "runnable"))
            {
                leads.Add(Resolve(other));
            }
        }
        foreach (AsyncFlowInfo f in process.AsyncFlows)
        {
            WaitEnd other = new(process.Pid, Flow: f.Id);
            if (other != node && !_visiting.Contains(other) && (f.Moved || _from[other].Any() || f.Awaits is "delay" or "socket" or "promise" or "semaphore" or "thread-pool" or "sync-context" or "running"))
            {
                leads.Add(Resolve(other));
            }
        }
        leads.AddRange(Follow(_from[new WaitEnd(process.Pid)]));
        if (leads.Count == 0)
        {
            return new Resolved(WaitEndKind.Unexplained,
                $"{summary}, and every other thread of {_d.Process(process.Pid)} waits inside it too: nothing outside the process is awaited, and ProcAudit cannot tell what would wake it",
                node, ImmutableArray<WaitEdge>.Empty);
        }
        Resolved best = MostHopeful(leads);
        return best with { Summary = $"{summary}; {best.Summary}" };
    }

    private bool IsInternal(ProcessInfo process, ThreadInfo t) =>
        !_from[new WaitEnd(process.Pid, t.Tid)].Any() && Own(process, t) is { Kind: WaitEndKind.Internal, Others.IsEmpty: true };

    /// <summary>A thread's own wait, classified once: a process of many threads asks for its siblings' again and again.</summary>
    private OwnWait Own(ProcessInfo process, ThreadInfo thread)
    {
        if (!_ownWaits.TryGetValue((process.Pid, thread.Tid), out OwnWait? own))
        {
            _ownWaits[(process.Pid, thread.Tid)] = own = _own.Of(process, thread);
        }
        return own;
    }

    /// <summary>How the thread moved between the samples, or null when it did not (or was sampled once).</summary>
    public static string? Active(ThreadInfo t)
    {
        if (t.State == "R")
        {
            return "is running";
        }
        if (t.Progress is not { } p)
        {
            return null;
        }
        if (p.CpuTicks > 0 || p.SyscallChanged)
        {
            return "moved between the samples";
        }
        // Woken and back in the same call: with a time limit that is its timer going off, not progress.
        return p.ContextSwitches > 0 && t.Syscall?.Timer is null ? "was woken between the samples" : null;
    }

    private static Resolved MostHopeful(List<Resolved> leads) => leads.OrderBy(l => Hope(l.Kind)).First();

    /// <summary>Lower is more hopeful: a wait with several ways out ends where its best one does.</summary>
    private static int Hope(WaitEndKind kind) => kind switch
    {
        WaitEndKind.Moved => 0,
        WaitEndKind.Timer => 1,
        WaitEndKind.Outside => 2,
        WaitEndKind.Unexplained => 3,
        WaitEndKind.Stopped => 4,
        WaitEndKind.Cycle => 5,
        _ => 6,
    };
}
