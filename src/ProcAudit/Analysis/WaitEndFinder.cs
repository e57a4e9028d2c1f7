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
internal sealed class WaitEndFinder : IWaitFollower
{
    private readonly Snapshot _snapshot;
    private readonly ILookup<WaitEnd, WaitEdge> _from;
    private readonly OwnWaits _own;
    private readonly Describe _d;
    private readonly Dictionary<WaitEnd, WaitLead> _done = new();
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
                WaitLead r = finder.Resolve(waiter);
                outcomes.Add(new WaitOutcome(waiter, r.Kind, r.Summary, r.At, r.Chain));
            }
        }
        return outcomes.ToImmutable();
    }

    /// <summary>The program's own threads, and the waiters its runtime view read (goroutines, async flows): not a runtime's housekeeping.</summary>
    private static IEnumerable<WaitEnd> Waiters(ProcessInfo process) =>
        process.Threads.Where(t => !RuntimeRegistry.IsHousekeeping(process, t)).Select(t => new WaitEnd(process.Pid, t.Tid))
            .Concat(RuntimeRegistry.Modules.SelectMany(m => m.Waiters(process)));

    /// <inheritdoc/>
    public Describe Describe => _d;

    /// <inheritdoc/>
    public WaitLead Resolve(WaitEnd node)
    {
        if (_done.TryGetValue(node, out WaitLead? known))
        {
            return known;
        }
        if (!_visiting.Add(node))
        {
            return new WaitLead(WaitEndKind.Cycle, $"{_d.Who(node)} waits in a cycle that leads back to itself", node, ImmutableArray<WaitEdge>.Empty);
        }
        try
        {
            WaitLead r = RuntimeRegistry.Modules.FirstOrDefault(m => m.Owns(node)) is RuntimeViewModule view ? view.Follow(this, node)
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

    private WaitLead Thread(WaitEnd node, int tid)
    {
        ProcessInfo? process = _snapshot.FindProcess(node.Pid);
        ThreadInfo? thread = process?.Threads.FirstOrDefault(t => t.Tid == tid);
        if (process is null || thread is null)
        {
            return new WaitLead(WaitEndKind.Unexplained, $"thread {tid} of {_d.Process(node.Pid)} was not captured", node, ImmutableArray<WaitEdge>.Empty);
        }
        if (Active(thread) is string moving)
        {
            return new WaitLead(WaitEndKind.Moved, $"{_d.Who(node)} {moving}", node, ImmutableArray<WaitEdge>.Empty);
        }
        List<WaitLead> leads = Follow(_from[new WaitEnd(node.Pid, tid)]);
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

    /// <summary>A process as a whole, for an edge that names no thread: any of its threads could act.</summary>
    private WaitLead Process(int pid)
    {
        WaitEnd node = new(pid);
        ProcessInfo? process = _snapshot.FindProcess(pid);
        if (process is null)
        {
            return new WaitLead(WaitEndKind.Unexplained, $"process {pid} was not captured", node, ImmutableArray<WaitEdge>.Empty);
        }
        if (process.State == "Z")
        {
            return new WaitLead(WaitEndKind.Moved, $"{_d.Process(pid)} has exited (zombie)", node, ImmutableArray<WaitEdge>.Empty);
        }
        if (process.State is "T" or "t")
        {
            return new WaitLead(WaitEndKind.Stopped, $"{_d.Process(pid)} is stopped{(process.TracerPid is int tracer ? $" by its tracer {_d.Process(tracer)}" : "")}", node, ImmutableArray<WaitEdge>.Empty);
        }
        if (process.Restricted || process.KernelThread)
        {
            return new WaitLead(WaitEndKind.Unexplained, $"{_d.Process(pid)} could not be looked into{(process.Restricted ? " (another user's process)" : " (a kernel thread)")}", node, ImmutableArray<WaitEdge>.Empty);
        }
        List<WaitLead> leads = Waiters(process).Select(Resolve).ToList();
        leads.AddRange(Follow(_from[new WaitEnd(pid)]));
        return leads.Count == 0
            ? new WaitLead(WaitEndKind.Unexplained, $"{_d.Process(pid)} has no thread ProcAudit could look at", node, ImmutableArray<WaitEdge>.Empty)
            : MostHopeful(leads);
    }

    /// <inheritdoc/>
    public WaitLead? AlongEdges(WaitEnd node)
    {
        List<WaitLead> leads = Follow(_from[node]);
        return leads.Count > 0 ? MostHopeful(leads) : null;
    }

    /// <inheritdoc/>
    public bool HasEdges(WaitEnd node) => _from[node].Any();

    /// <inheritdoc/>
    public OwnWait Descriptor(ProcessInfo process, FdInfo fd, bool write) => _own.Descriptor(process, fd, write);

    private List<WaitLead> Follow(IEnumerable<WaitEdge> edges)
    {
        List<WaitLead> leads = new();
        foreach (WaitEdge e in edges)
        {
            WaitLead next = Resolve(e.To);
            leads.Add(next with { Chain = next.Chain.Insert(0, e) });
        }
        return leads;
    }

    /// <inheritdoc/>
    public WaitLead FromOwn(WaitEnd node, ProcessInfo process, OwnWait own)
    {
        if (!own.Others.IsEmpty)
        {
            List<WaitLead> others = own.Others.Select(pid => Resolve(new WaitEnd(pid))).ToList();
            WaitLead best = MostHopeful(others);
            return best with { Summary = $"{_d.Who(node)} {own.Summary}; {best.Summary}" };
        }
        return own.Kind == WaitEndKind.Internal
            ? Internal(node, process, $"{_d.Who(node)} {own.Summary}")
            : new WaitLead(own.Kind, $"{_d.Who(node)} {own.Summary}", node, ImmutableArray<WaitEdge>.Empty);
    }

    /// <summary>
    /// A thread that waits on its own process ends where the process's other waits end; when every
    /// thread waits inside the process, nothing outside it is awaited and ProcAudit cannot tell what
    /// would wake it.
    /// </summary>
    public WaitLead Internal(WaitEnd node, ProcessInfo process, string summary)
    {
        List<WaitLead> leads = new();
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
        // The waiters a runtime view read that may yet act (a goroutine with an fd or a timer, a flow awaiting I/O).
        foreach (WaitEnd other in RuntimeRegistry.Modules.SelectMany(m => m.Leads(this, process)))
        {
            if (other != node && !_visiting.Contains(other))
            {
                leads.Add(Resolve(other));
            }
        }
        leads.AddRange(Follow(_from[new WaitEnd(process.Pid)]));
        if (leads.Count == 0)
        {
            return new WaitLead(WaitEndKind.Unexplained,
                $"{summary}, and every other thread of {_d.Process(process.Pid)} waits inside it too: nothing outside the process is awaited, and ProcAudit cannot tell what would wake it",
                node, ImmutableArray<WaitEdge>.Empty);
        }
        WaitLead best = MostHopeful(leads);
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

    private static WaitLead MostHopeful(List<WaitLead> leads) => leads.OrderBy(l => Hope(l.Kind)).First();

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
