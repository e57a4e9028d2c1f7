using System.Collections.Immutable;

namespace ProcAudit.Analysis;

/// <summary>Gives each wait cycle a stable pattern name, one sentence a person can act on, and a fix.</summary>
internal static class CycleNamer
{
    public static Cycle Name(ImmutableArray<WaitEdge> path, Describe d, ImmutableHashSet<string> full)
    {
        ImmutableArray<WaitEnd> members = path.Select(e => e.From).ToImmutableArray();
        string inferred = path.Any(e => e.Certainty == Certainty.Inferred)
            ? " (one edge is inferred: " + path.First(e => e.Certainty == Certainty.Inferred).Evidence + ")"
            : "";
        if (path.Length == 2)
        {
            WaitEdge? read = path.FirstOrDefault(e => e.Reason == WaitReasons.ReadEmptyPipe);
            WaitEdge? write = path.FirstOrDefault(e => e.Reason == WaitReasons.WriteFullPipe);
            WaitEdge? wait = path.FirstOrDefault(e => e.Reason == WaitReasons.WaitChildExit);
            if (read is not null && write is not null && read.Object != write.Object)
            {
                return PipeOrderInversion(path, members, read, write, d, full, inferred);
            }
            if (wait is not null && write is not null)
            {
                return WaitBeforeDrain(path, members, wait, write, d, full, inferred);
            }
            if (path.All(e => e.Reason == WaitReasons.SendFullSocket))
            {
                return SendSendDeadlock(path, members, d, inferred);
            }
            if (path.All(e => e.Reason == WaitReasons.ManagedLock))
            {
                return ThreadLockInversion(path, members, d, e => "the lock on " + d.ManagedLockType(e), "locks", inferred,
                    "Take the locks in one global order in every thread, or use Monitor.TryEnter with a timeout for the second one.");
            }
            if (path.All(e => e.Reason == WaitReasons.FutexOwner))
            {
                return ThreadLockInversion(path, members, d, e => "mutex " + Address(e.Object!), "mutexes", " (owners read from the mutexes in memory, so inferred)",
                    "Take the mutexes in one global order in every thread, or use a try-lock with back-off for the second one.");
            }
            if (path.All(e => e.Reason == WaitReasons.GoLock))
            {
                return GoroutineLockInversion(path, members, d);
            }
            if (path.All(e => e.Reason == WaitReasons.AsyncLock))
            {
                return new Cycle("async-lock-order-inversion", members, path,
                    $"In {d.Process(path[0].From.Pid)}, {d.Flow(path[0].From.Pid, path[0].From.Flow!)} awaits SemaphoreSlim {Address(path[0].Object!)} held by {d.Flow(path[1].From.Pid, path[1].From.Flow!)}, " +
                    $"which awaits SemaphoreSlim {Address(path[1].Object!)} held by the first: neither WaitAsync can complete (holders inferred: {path[0].Evidence[(path[0].Evidence.IndexOf("taken as its holder: ", StringComparison.Ordinal) + 21)..]}).",
                    "Take the semaphores in one global order in every flow, or pass a timeout or CancellationToken to the second WaitAsync so a flow can back off.");
            }
            if (path.All(e => e.Reason == WaitReasons.LockHeld))
            {
                return LockOrderInversion(path, members, d, inferred);
            }
            if (path.All(e => e.Reason == WaitReasons.RecvEmptySocket))
            {
                return new Cycle("recv-recv-deadlock", members, path,
                    $"{d.Process(path[0].From.Pid)} waits to receive from {d.Process(path[1].From.Pid)} ({d.Socket(path[0].Object!)}) while {d.Process(path[1].From.Pid)} waits to receive from it " +
                    $"({d.Socket(path[1].Object!)}): each waits for the other to speak first{inferred}.",
                    "Decide which side speaks first in the protocol (e.g. the client sends its request before reading), or add a timeout.");
            }
        }
        string chain = string.Join(", ", path.Select(e => $"{d.Who(e.From)} {Verb(e)} {d.Who(e.To)}"));
        return new Cycle("wait-cycle", members, path,
            $"Wait cycle: {chain}; none of them can move{inferred}.",
            "Break the cycle at any edge: make one of these waits asynchronous or bounded.");
    }

    private static Cycle PipeOrderInversion(ImmutableArray<WaitEdge> path, ImmutableArray<WaitEnd> members, WaitEdge read, WaitEdge write,
        Describe d, ImmutableHashSet<string> full, string inferred)
    {
        int reader = read.From.Pid;
        int writer = write.From.Pid;
        string readStream = d.StreamName(read.Object!);
        string writeStream = d.StreamName(write.Object!);
        string cap = d.Capacity(write.Object!);
        string summary =
            $"{Actor(read.From, d)} reads {readStream} ({Fd(read)}{read.Object}, {d.Fill(read.Object!, false)}) until EOF while " +
            $"{d.Relation(reader, writer)}{Actor(write.From, d)} blocks writing {writeStream} ({Fd(write)}{write.Object}, {d.Fill(write.Object!, full.Contains(write.Object!))}), " +
            $"a full {(cap.Length > 0 ? cap + " " : "")}pipe only {reader} can drain{inferred}.";
        return new Cycle("pipe-order-inversion", members, path, summary,
            $"Read {readStream} and {writeStream} concurrently (two threads, async reads, or poll), or merge them into one stream; never drain one to EOF before the other.");
    }

    private static Cycle WaitBeforeDrain(ImmutableArray<WaitEdge> path, ImmutableArray<WaitEnd> members, WaitEdge wait, WaitEdge write,
        Describe d, ImmutableHashSet<string> full, string inferred)
    {
        int parent = wait.From.Pid;
        int child = wait.To.Pid;
        string stream = d.StreamName(write.Object!);
        string cap = d.Capacity(write.Object!);
        string summary =
            $"{Actor(wait.From, d)} waits for {d.Relation(parent, child)}{d.Process(child)} to exit before reading {(stream == "a pipe" ? "the pipe" : "its " + stream)}, while " +
            $"{Actor(write.From, d)} blocks writing {stream} ({Fd(write)}{write.Object}, {d.Fill(write.Object!, full.Contains(write.Object!))}), " +
            $"a full {(cap.Length > 0 ? cap + " " : "")}pipe only {parent} can drain{inferred}.";
        // Python's own API for this is named in its documentation's warning about wait() with a PIPE.
        string where = d.PythonWhere(wait.From);
        string hint = where.EndsWith(", in Popen.wait)", StringComparison.Ordinal)
            ? $"Use p.communicate() instead of p.wait(): it reads the child's {stream} while it waits (the subprocess documentation warns that wait() with stdout=PIPE deadlocks once the pipe fills)."
            : where.EndsWith(", in BaseProcess.join)", StringComparison.Ordinal)
                ? "Take the items off the queue (q.get()) before p.join(): a child that put data on a multiprocessing Queue does not exit until its feeder thread has written it all into the pipe (the multiprocessing guidelines: joining processes that use queues)."
                : $"Read the child's {(stream == "a pipe" ? "pipe" : stream)} to EOF (or concurrently) before waiting for it to exit.";
        return new Cycle("wait-before-drain", members, path, summary, hint);
    }

    /// <summary>Two threads of one process, each owning the lock the other waits for.</summary>
    private static Cycle ThreadLockInversion(ImmutableArray<WaitEdge> path, ImmutableArray<WaitEnd> members, Describe d,
        Func<WaitEdge, string> lockOf, string locks, string why, string hint)
    {
        WaitEdge a = path[0];
        WaitEdge b = path[1];
        return new Cycle("lock-order-inversion", members, path,
            $"In {d.Process(a.From.Pid)}, {d.Thread(a.From)} waits for {lockOf(a)}, owned by {d.Thread(b.From)}, while {d.Thread(b.From)} waits for {lockOf(b)}, owned by {d.Thread(a.From)}: " +
            $"the two threads take the same {locks} in opposite order{why}.",
            hint);
    }

    /// <summary>Two goroutines of one Go process, each holding the lock the other waits for.</summary>
    private static Cycle GoroutineLockInversion(ImmutableArray<WaitEdge> path, ImmutableArray<WaitEnd> members, Describe d)
    {
        WaitEdge a = path[0];
        WaitEdge b = path[1];
        return new Cycle("lock-order-inversion", members, path,
            $"In {d.Process(a.From.Pid)}, {d.Goroutine(a.From)} waits for {d.GoLock(a)}, held by {d.Goroutine(b.From)}, while {d.Goroutine(b.From)} waits for {d.GoLock(b)}, held by {d.Goroutine(a.From)}: " +
            $"the two goroutines take the same locks in opposite order ({HolderEvidence(a, b)}).",
            "Take the locks in one global order in every goroutine (e.g. by account id or address), or take the second with TryLock and back off.");
    }

    private static string HolderEvidence(WaitEdge a, WaitEdge b) =>
        a.Evidence.Contains("pending deferred", StringComparison.Ordinal) && b.Evidence.Contains("pending deferred", StringComparison.Ordinal)
            ? "holders inferred: each has a deferred unlock pending on the lock the other waits for"
            : $"holders inferred: {a.Evidence}; {b.Evidence}";

    private static string Address(string futexId) => futexId[(futexId.LastIndexOf(':') + 1)..];

    private static Cycle LockOrderInversion(ImmutableArray<WaitEdge> path, ImmutableArray<WaitEnd> members, Describe d, string inferred)
    {
        WaitEdge a = path[0];
        WaitEdge b = path[1];
        string summary =
            $"{d.Who(a.From)} waits for {d.Lock(a.Object!)}, held by {d.Who(b.From)}, while {d.Who(b.From)} waits for {d.Lock(b.Object!)}, held by {d.Who(a.From)}: " +
            $"the two take the same locks in opposite order{inferred}.";
        return new Cycle("lock-order-inversion", members, path, summary,
            "Take the locks in one global order everywhere (e.g. by path), or take the second one with a timeout and back off.");
    }

    private static Cycle SendSendDeadlock(ImmutableArray<WaitEdge> path, ImmutableArray<WaitEnd> members, Describe d, string inferred)
    {
        WaitEdge a = path[0];
        WaitEdge b = path[1];
        string summary =
            $"{d.Process(a.From.Pid)} blocks sending to {d.Process(b.From.Pid)} ({Fd(a)}{d.Socket(a.Object!)}) while {d.Process(b.From.Pid)} blocks sending back " +
            $"({Fd(b)}{d.Socket(b.Object!)}); each waits for the other to read, and neither reads until its own send completes{inferred}.";
        return new Cycle("send-send-deadlock", members, path, summary,
            "Read while writing (a reader thread, or non-blocking I/O with poll), or make one side finish reading before it sends a large message.");
    }

    /// <summary>The process, and for a Go process the goroutine and the library call it waits in (the evidence).</summary>
    private static string Actor(WaitEnd end, Describe d) =>
        end.Goroutine is not null ? d.Who(end)
        : d.GoroutineInSyscall(end) is long g ? d.Who(end with { Goroutine = g })
        : d.Process(end.Pid) + d.PythonWhere(end);

    private static string Fd(WaitEdge e) => e.Fd is int fd ? $"fd {fd}, " : "";

    public static string Verb(WaitEdge e) => e.Reason switch
    {
        WaitReasons.ReadEmptyPipe => $"reads empty {e.Object} written by",
        WaitReasons.WriteFullPipe => $"writes full {e.Object} read by",
        WaitReasons.WaitChildExit => "waits for the exit of",
        WaitReasons.RecvEmptySocket => $"waits to receive on {e.Object} from",
        WaitReasons.SendFullSocket => $"waits to send on {e.Object} to",
        WaitReasons.GoChanSend => $"waits to send on {e.Object} to",
        WaitReasons.GoChanRecv => $"waits to receive on {e.Object} from",
        WaitReasons.GoLock => $"waits for {e.Object} held by",
        _ => $"waits ({e.Reason}) for",
    };
}
