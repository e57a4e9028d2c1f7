using System.Collections.Immutable;
using System.Globalization;
using ProcAudit.Analysis;
using ProcAudit.Analysis.Patterns;
using static ProcAudit.Analysis.ObjectIds;

namespace ProcAudit.Runtimes;

/// <summary>
/// Python-level waits (issue 19): a thread sleeping on a threading lock waits for its holder, one waiting for the
/// GIL waits for the GIL's holder. An RLock records its owner and the interpreter records the GIL's holder, so those
/// edges are observed; a Lock records no owner, so its holder is inferred, and only from a named piece of evidence
/// (the one other thread inside <c>with</c> on it).
/// </summary>
internal static class PythonLockEdges
{
    /// <summary>The edges of one process's Python lock and GIL waiters.</summary>
    public static IEnumerable<WaitEdge> For(ProcessInfo process)
    {
        foreach (ThreadInfo thread in process.Threads)
        {
            if (thread.PythonWait is not PythonWaitInfo wait || thread.Syscall?.Shape != SyscallShape.Futex || thread.Progress?.SyscallChanged == true)
            {
                continue;
            }
            WaitEnd from = new(process.Pid, thread.Tid);

            // A GIL waiter wakes every switch interval (5 ms) to ask the holder to drop it, so it always shows context
            // switches; it is stuck when the holder is, which the finding checks. Any other waiter that moved is not stuck.
            if (wait.Gil && process.Threads.FirstOrDefault(t => t.HoldsGil == true && t.Tid != thread.Tid) is ThreadInfo holder)
            {
                yield return new WaitEdge(from, new WaitEnd(process.Pid, holder.Tid), GilId(process.Pid), WaitReasons.PythonGil, Certainty.Observed,
                    $"thread {thread.Tid} sleeps on the GIL's condition variable, and the interpreter records thread {holder.Tid} as the GIL's holder (locked, last_holder)");
            }
            if (wait.Lock is not PythonLockInfo l || thread.Progress?.Moved == true)
            {
                continue;
            }
            if (l.OwnerTid is int owner && owner != thread.Tid)
            {
                yield return new WaitEdge(from, new WaitEnd(process.Pid, owner), l.Object, WaitReasons.PythonLock, Certainty.Observed,
                    $"thread {thread.Tid} sleeps on {l.Kind} {Address(l.Object)} (its futex is the lock's semaphore), which records thread {owner} as its owner (rlock_owner, taken {l.Count} time{(l.Count == 1 ? "" : "s")})");
                continue;
            }
            // A Lock records no owner: a thread inside `with` on it has taken it, and it is the holder if it is the only one.
            List<(ThreadInfo Thread, PythonHeldLock Hold)> inside = process.Threads
                .Where(t => t.Tid != thread.Tid && t.PythonWait is not null)
                .SelectMany(t => t.PythonWait!.Holds.Where(h => h.Object == l.Object).Select(h => (t, h)))
                .ToList();
            if (l.OwnerTid is null && inside.Count == 1)
            {
                (ThreadInfo taker, PythonHeldLock hold) = inside[0];
                yield return new WaitEdge(from, new WaitEnd(process.Pid, taker.Tid), l.Object, WaitReasons.PythonLock, Certainty.Inferred,
                    $"thread {thread.Tid} sleeps on {l.Kind} {Address(l.Object)} (its futex is the lock's semaphore); a Lock records no owner, and thread {taker.Tid} is the only thread inside a `with` block on it{At(hold.With)} (the lock's __exit__ is on that frame's value stack), so it is taken as the holder");
            }
        }
    }

    /// <summary>A cycle of Python lock waits between two threads: a lock-order inversion told with both threads' lines; null for any other cycle.</summary>
    public static Cycle? NameCycle(ImmutableArray<WaitEdge> path, Describe d)
    {
        if (path.Length != 2 || !path.All(e => e.Reason == WaitReasons.PythonLock) || path[0].From.Pid != path[1].From.Pid)
        {
            return null;
        }
        WaitEdge a = path[0];
        WaitEdge b = path[1];
        return PatternCatalogue.LockOrderInversion.Cycle(path, new LockOrderInversionFacts.PythonLocks(
            d.Process(a.From.Pid), d.Thread(a.From) + d.Where(a.From), LockName(d, a), d.Thread(b.From) + d.Where(b.From), LockName(d, b),
            path.Any(e => e.Certainty == Certainty.Inferred)));
    }

    /// <summary>
    /// Stalls behind a Python lock or the GIL: threads wait for a lock (or the GIL) whose holder is itself blocked in
    /// a system call; for the GIL, only a call that cannot end by itself (no time limit), as a timed one will return.
    /// </summary>
    public static IEnumerable<Finding> Findings(Snapshot snapshot, ImmutableArray<WaitEdge> edges, HashSet<WaitEdge> inCycles, Describe d)
    {
        foreach (IGrouping<(int Pid, int? Tid, string? Object), WaitEdge> group in edges
            .Where(e => e.Reason is WaitReasons.PythonLock or WaitReasons.PythonGil && !inCycles.Contains(e))
            .GroupBy(e => (e.To.Pid, e.To.Tid, e.Object)))
        {
            ThreadInfo? holder = snapshot.FindProcess(group.Key.Pid)?.Threads.FirstOrDefault(t => t.Tid == group.Key.Tid);
            if (holder?.Syscall is not { Name: string call } syscall || holder.State is "R" or "T" or "t" || holder.Progress?.Moved == true
                || holder.PythonWait?.Lock is not null || holder.PythonWait?.Gil == true)
            {
                continue;
            }
            WaitEnd holderEnd = new(group.Key.Pid, holder.Tid);
            ImmutableArray<string> waiters = group.Select(e => d.Thread(e.From) + d.Where(e.From)).Distinct().ToImmutableArray();
            string blockedIn = BlockedIn(snapshot, call, syscall, d);
            if (group.First().Reason == WaitReasons.PythonGil)
            {
                if (syscall.Timer is null && syscall.Shape != SyscallShape.Sleep)
                {
                    yield return PatternCatalogue.GilHolderBlocked.Finding(ImmutableArray.Create(group.Key.Pid), group.Key.Object, new GilHolderBlockedFacts(
                        d.Process(group.Key.Pid), waiters, d.Thread(holderEnd) + d.Where(holderEnd), blockedIn));
                }
                continue;
            }
            WaitEdge first = group.First();
            yield return PatternCatalogue.LockHolderBlocked.Finding(ImmutableArray.Create(group.Key.Pid), group.Key.Object, new LockHolderBlockedFacts.PythonHolder(
                d.Process(group.Key.Pid), waiters, LockName(d, first), d.Thread(holderEnd) + d.Where(holderEnd), blockedIn,
                first.Certainty == Certainty.Inferred ? first.Evidence : null));
        }
    }

    /// <summary><c>gil:PID</c>: the GIL of a process (its main interpreter's).</summary>
    /// <summary>The kind of the Python lock a thread waits for ("threading.Lock"), when the Python view read it.</summary>
    private static string? LockKind(Describe d, WaitEnd waiter, string? lockId) =>
        d.Snapshot.FindProcess(waiter.Pid)?.Threads.FirstOrDefault(t => t.Tid == waiter.Tid)?.PythonWait?.Lock is PythonLockInfo l && l.Object == lockId ? l.Kind : null;

    public static string GilId(int pid) => "gil:" + pid.ToString(CultureInfo.InvariantCulture);

    /// <summary>"threading.Lock 0x7f..." for a lock edge.</summary>
    private static string LockName(Describe d, WaitEdge e) =>
        (LockKind(d, e.From, e.Object) ?? "threading lock") + " " + Address(e.Object ?? "");

    private static string BlockedIn(Snapshot snapshot, string call, SyscallInfo syscall, Describe d) => syscall.Object switch
    {
        string o when snapshot.FindSocket(o) is not null => $"in {call} on fd {syscall.Fd} ({d.Socket(o)})",
        string o when snapshot.FindPipe(o) is not null => $"in {call} on fd {syscall.Fd} ({d.StreamName(o)}, {o})",
        string o => $"in {call} on fd {syscall.Fd} ({o})",
        null => $"in {call}",
    };

    private static string At(StackFrame? frame) =>
        frame is null ? "" : $" (in {frame.Function}, now at {Path.GetFileName(frame.File)}:{frame.Line})";
}
