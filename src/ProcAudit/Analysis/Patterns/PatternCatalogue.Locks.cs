using System.Collections.Immutable;
using static ProcAudit.Analysis.Patterns.Clause;

namespace ProcAudit.Analysis.Patterns;

/// <summary>
/// The lock patterns: two holders taking the same locks in opposite order (processes on file locks, threads on
/// monitors or mutexes, goroutines on sync locks, async flows on semaphores), and a holder blocked while it holds one.
/// </summary>
internal static partial class PatternCatalogue
{
    /// <summary>Two holders, each holding the lock the other waits for.</summary>
    public static readonly CyclePattern<LockOrderInversionFacts> LockOrderInversion = new(
        "lock-order-inversion",
        "two locks taken in opposite order",
        f => f switch
        {
            LockOrderInversionFacts.Processes p =>
                $"{p.A} waits for {p.LockA}, held by {p.B}, while {p.B} waits for {p.LockB}, held by {p.A}: " +
                $"the two take the same locks in opposite order{OneEdgeInferred(p.Inferred)}.",
            LockOrderInversionFacts.Monitors m =>
                ThreadsInversion(m.Process, m.A, "the lock on " + m.TypeA, m.B, "the lock on " + m.TypeB, "locks", OneEdgeInferred(m.Inferred)),
            LockOrderInversionFacts.Mutexes x =>
                ThreadsInversion(x.Process, x.A, "mutex " + x.AddressA, x.B, "mutex " + x.AddressB, "mutexes", " (owners read from the mutexes in memory, so inferred)"),
            LockOrderInversionFacts.PythonLocks p =>
                ThreadsInversion(p.Process, p.A, p.LockA, p.B, p.LockB, "locks",
                    p.Inferred ? " (holders inferred: a threading.Lock records no owner; each holder is the only thread inside `with` on the lock the other waits for)" : ""),
            LockOrderInversionFacts.Goroutines g =>
                $"In {g.Process}, {g.A} waits for {g.LockA}, held by {g.B}, while {g.B} waits for {g.LockB}, held by {g.A}: " +
                $"the two goroutines take the same locks in opposite order ({HolderEvidence(g.EvidenceA, g.EvidenceB)}).",
            _ => throw new ArgumentOutOfRangeException(nameof(f)),
        },
        f => f switch
        {
            LockOrderInversionFacts.Processes => "Take the locks in one global order everywhere (e.g. by path), or take the second one with a timeout and back off.",
            LockOrderInversionFacts.Monitors => "Take the locks in one global order in every thread, or use Monitor.TryEnter with a timeout for the second one.",
            LockOrderInversionFacts.Mutexes => "Take the mutexes in one global order in every thread, or use a try-lock with back-off for the second one.",
            LockOrderInversionFacts.PythonLocks => "Take the locks in one global order in every thread (nest the `with` statements the same way everywhere), or take the second with lock.acquire(timeout=...) and back off when it fails.",
            LockOrderInversionFacts.Goroutines => "Take the locks in one global order in every goroutine (e.g. by account id or address), or take the second with TryLock and back off.",
            _ => throw new ArgumentOutOfRangeException(nameof(f)),
        });

    /// <summary>Two async flows of one .NET process, each holding the SemaphoreSlim the other awaits.</summary>
    public static readonly CyclePattern<AsyncLockOrderInversionFacts> AsyncLockOrderInversion = new(
        "async-lock-order-inversion",
        "two semaphores awaited in opposite order",
        f => $"In {f.Process}, {f.FlowA} awaits SemaphoreSlim {f.SemaphoreA} held by {f.FlowB}, " +
            $"which awaits SemaphoreSlim {f.SemaphoreB} held by the first: neither WaitAsync can complete (holders inferred: {f.Holders}).",
        _ => "Take the semaphores in one global order in every flow, or pass a timeout or CancellationToken to the second WaitAsync so a flow can back off.");

    /// <summary>Threads (or goroutines) queue on a lock whose holder is itself blocked while it holds it.</summary>
    public static readonly FindingPattern<LockHolderBlockedFacts> LockHolderBlocked = new(
        "lock-holder-blocked",
        "a lock held across a blocking call",
        f => f switch
        {
            LockHolderBlockedFacts.ThreadOwner m =>
                $"In {m.Process}, {m.Waiters.Length} thread{Plural(m.Waiters.Length)} ({string.Join(", ", m.Waiters)}) wait{Singular(m.Waiters.Length)} for the lock on {m.LockType ?? "an object"}, " +
                $"owned by {m.Owner}, which is itself blocked{(m.Where is null ? "" : " in " + m.Where)} while it holds the lock.",
            LockHolderBlockedFacts.GoroutineHolder g => GoLockHeld(g.Held),
            LockHolderBlockedFacts.PythonHolder p =>
                $"In {p.Process}, {p.Waiters.Length} thread{Plural(p.Waiters.Length)} ({string.Join(", ", p.Waiters)}) wait{Singular(p.Waiters.Length)} for {p.Lock}, " +
                $"held by {p.Holder}, which is itself blocked {p.BlockedIn} while it holds the lock{InferredFrom(p.Inferred)}.",
            _ => throw new ArgumentOutOfRangeException(nameof(f)),
        },
        f => f switch
        {
            LockHolderBlockedFacts.PythonHolder => "Do not block while holding a lock: do the I/O outside the `with lock:` block (copy what you need under the lock), or give the blocking call a timeout (socket.settimeout) so the lock is released.",
            LockHolderBlockedFacts.ThreadOwner => "Do not block while holding a lock (a full bounded queue, I/O, another lock): move the blocking call out of the lock, or bound it with a timeout.",
            _ => "Do not block while holding a lock (a channel operation, I/O, another lock): release it first, or bound the blocking call with a timeout or context.",
        });

    /// <summary>Python threads wait for the GIL while its holder is blocked in a call that did not release it.</summary>
    public static readonly FindingPattern<GilHolderBlockedFacts> GilHolderBlocked = new(
        "gil-holder-blocked",
        "the GIL held across a blocking call",
        f => $"In {f.Process}, {f.Waiters.Length} thread{Plural(f.Waiters.Length)} ({string.Join(", ", f.Waiters)}) wait{Singular(f.Waiters.Length)} for the GIL, held by {f.Holder}, " +
            $"which keeps it in a call that did not release it (a C extension, or a function called through ctypes.PyDLL) and is blocked {f.BlockedIn}: no other thread can run Python until that call returns.",
        _ => "Release the GIL around blocking calls in C (Py_BEGIN_ALLOW_THREADS ... Py_END_ALLOW_THREADS); call blocking C functions through ctypes.CDLL, which releases it, not ctypes.PyDLL; or bound the call with a timeout.");

    /// <summary>A goroutine holds a lock while it blocks sending on a channel; every later taker of the lock waits behind it.</summary>
    public static readonly FindingPattern<GoLockHeldFacts> LockHeldAcrossBlockingSend = new(
        "lock-held-across-blocking-send",
        "a lock held across a blocking channel send",
        GoLockHeld,
        _ => "Never block while holding the lock: send outside it (copy what you need under the lock, send after unlocking), or send without blocking (select with a default case and a drop policy); " +
            "and give the channel's consumer a deadline (e.g. SetWriteDeadline) so a peer that stops reading cannot stall it.");

    private static string ThreadsInversion(string process, string a, string lockA, string b, string lockB, string locks, string why) =>
        $"In {process}, {a} waits for {lockA}, owned by {b}, while {b} waits for {lockB}, owned by {a}: " +
        $"the two threads take the same {locks} in opposite order{why}.";

    private static string HolderEvidence(string a, string b) =>
        a.Contains("pending deferred", StringComparison.Ordinal) && b.Contains("pending deferred", StringComparison.Ordinal)
            ? "holders inferred: each has a deferred unlock pending on the lock the other waits for"
            : $"holders inferred: {a}; {b}";

    private static string GoLockHeld(GoLockHeldFacts f) =>
        $"In {f.Process}, {f.Holder} holds {(f.ReadLock ? "the read lock of" : "the lock on")} {f.Lock} " +
        $"({f.LockState}; inferred: {f.Evidence}) while it {f.Chain}; meanwhile {f.Waiters.Length} goroutine{Plural(f.Waiters.Length)} wait{Singular(f.Waiters.Length)} for the lock: " +
        $"{string.Join(", ", f.Waiters.Take(5))}{(f.Waiters.Length > 5 ? $" and {f.Waiters.Length - 5} more" : "")}.";
}

/// <summary>Who takes the two locks in opposite order, and what the locks are.</summary>
internal abstract record LockOrderInversionFacts
{
    private LockOrderInversionFacts()
    {
    }

    /// <summary>Two processes (or threads of them) on file locks.</summary>
    /// <param name="A">The first waiter (<see cref="Describe.Who"/>).</param>
    /// <param name="LockA">The lock it waits for (<see cref="Describe.Lock"/>).</param>
    /// <param name="B">The second waiter, holder of the first lock.</param>
    /// <param name="LockB">The lock it waits for, held by the first.</param>
    /// <param name="Inferred">The evidence of the first inferred edge; null when every edge was observed.</param>
    public sealed record Processes(string A, string LockA, string B, string LockB, string? Inferred) : LockOrderInversionFacts;

    /// <summary>Two threads of one .NET process on monitors (<c>lock</c>, <c>Monitor.Enter</c>).</summary>
    /// <param name="Process">The process.</param>
    /// <param name="A">The first thread (<see cref="Describe.Thread"/>).</param>
    /// <param name="TypeA">The type of the object it waits to lock.</param>
    /// <param name="B">The second thread, owner of that lock.</param>
    /// <param name="TypeB">The type of the object it waits to lock, owned by the first.</param>
    /// <param name="Inferred">The evidence of the first inferred edge; null when every edge was observed.</param>
    public sealed record Monitors(string Process, string A, string TypeA, string B, string TypeB, string? Inferred) : LockOrderInversionFacts;

    /// <summary>Two threads of one process on mutexes whose owners were read from memory.</summary>
    /// <param name="Process">The process.</param>
    /// <param name="A">The first thread.</param>
    /// <param name="AddressA">The mutex it waits for.</param>
    /// <param name="B">The second thread, its owner.</param>
    /// <param name="AddressB">The mutex it waits for, owned by the first.</param>
    public sealed record Mutexes(string Process, string A, string AddressA, string B, string AddressB) : LockOrderInversionFacts;

    /// <summary>Two threads of one Python process on threading locks.</summary>
    /// <param name="Process">The process.</param>
    /// <param name="A">The first thread, with its script's line (<see cref="Describe.Where"/>).</param>
    /// <param name="LockA">The lock it waits for ("threading.Lock 0x7f...").</param>
    /// <param name="B">The second thread, its holder.</param>
    /// <param name="LockB">The lock it waits for, held by the first.</param>
    /// <param name="Inferred">True when a holder was inferred (a Lock records no owner).</param>
    public sealed record PythonLocks(string Process, string A, string LockA, string B, string LockB, bool Inferred) : LockOrderInversionFacts;

    /// <summary>Two goroutines of one Go process on sync locks.</summary>
    /// <param name="Process">The process.</param>
    /// <param name="A">The first goroutine (<see cref="Runtimes.GoWords.Goroutine"/>).</param>
    /// <param name="LockA">The lock it waits for (<see cref="Runtimes.GoWords.Lock"/>).</param>
    /// <param name="B">The second goroutine, its holder.</param>
    /// <param name="LockB">The lock it waits for, held by the first.</param>
    /// <param name="EvidenceA">Why the second is taken as the holder of the first lock.</param>
    /// <param name="EvidenceB">Why the first is taken as the holder of the second lock.</param>
    public sealed record Goroutines(string Process, string A, string LockA, string B, string LockB, string EvidenceA, string EvidenceB) : LockOrderInversionFacts;
}

/// <param name="Process">The .NET process.</param>
/// <param name="FlowA">The first async flow (<see cref="Runtimes.DotNetWords.Flow"/>).</param>
/// <param name="SemaphoreA">The address of the semaphore it awaits.</param>
/// <param name="FlowB">The second flow, its holder.</param>
/// <param name="SemaphoreB">The address of the semaphore it awaits, held by the first.</param>
/// <param name="Holders">Why the holders are taken as such.</param>
internal sealed record AsyncLockOrderInversionFacts(string Process, string FlowA, string SemaphoreA, string FlowB, string SemaphoreB, string Holders);

/// <summary>Whose lock is held across a blocking call: a .NET monitor, or a Go lock whose holder blocks on something but a channel send.</summary>
internal abstract record LockHolderBlockedFacts
{
    private LockHolderBlockedFacts()
    {
    }

    /// <param name="Process">The .NET process.</param>
    /// <param name="Waiters">The threads queued on the lock (<see cref="Describe.Thread"/>).</param>
    /// <param name="LockType">The type of the locked object, when known.</param>
    /// <param name="Owner">The owning thread.</param>
    /// <param name="Where">The first frame of the owner's stack outside the threading primitives, when known.</param>
    public sealed record ThreadOwner(string Process, ImmutableArray<string> Waiters, string? LockType, string Owner, string? Where) : LockHolderBlockedFacts;

    /// <param name="Held">The lock, its holder and what the holder waits on.</param>
    public sealed record GoroutineHolder(GoLockHeldFacts Held) : LockHolderBlockedFacts;

    /// <param name="Process">The Python process.</param>
    /// <param name="Waiters">The threads sleeping on the lock, with their lines.</param>
    /// <param name="Lock">The lock ("threading.Lock 0x7f...").</param>
    /// <param name="Holder">The holding thread, with its line.</param>
    /// <param name="BlockedIn">Where the holder is blocked ("in sendto on fd 3 (...)").</param>
    /// <param name="Inferred">Why the holder is taken as such, when the lock records no owner.</param>
    public sealed record PythonHolder(string Process, ImmutableArray<string> Waiters, string Lock, string Holder, string BlockedIn, string? Inferred) : LockHolderBlockedFacts;
}

/// <param name="Process">The Python process.</param>
/// <param name="Waiters">The threads waiting for the GIL, with their lines.</param>
/// <param name="Holder">The thread holding it, with its line.</param>
/// <param name="BlockedIn">Where the holder is blocked.</param>
internal sealed record GilHolderBlockedFacts(string Process, ImmutableArray<string> Waiters, string Holder, string BlockedIn);

/// <param name="Process">The Go process.</param>
/// <param name="Holder">The goroutine holding the lock (<see cref="Runtimes.GoWords.Goroutine"/>).</param>
/// <param name="ReadLock">True when it holds the read lock of an RWMutex.</param>
/// <param name="Lock">The lock (<see cref="Runtimes.GoLockHolders.Name"/>).</param>
/// <param name="LockState">Its state (<see cref="Runtimes.GoLockHolders.State"/>).</param>
/// <param name="Evidence">Why the holder is taken as such.</param>
/// <param name="Chain">What the holder waits on, followed through channel receivers, as one clause.</param>
/// <param name="Waiters">The goroutines waiting for the lock.</param>
internal sealed record GoLockHeldFacts(string Process, string Holder, bool ReadLock, string Lock, string LockState, string Evidence, string Chain, ImmutableArray<string> Waiters);
