using System.Collections.Immutable;

namespace ProcAudit.Go;

/// <summary>What a parked goroutine waits on, as the runtime's own structures say.</summary>
/// <param name="Kind">
/// <c>chan-send</c>, <c>chan-recv</c>, <c>select</c>, <c>lock</c> (sync.Mutex/RWMutex), <c>waitgroup</c>,
/// <c>semaphore</c> (another sync primitive), <c>io</c> (the netpoller), <c>nil-chan</c> (forever).
/// </param>
/// <param name="Channels">The channels (hchan addresses): one for a send or receive, every case's for a select.</param>
/// <param name="Lock">The Mutex or RWMutex address, for <c>lock</c>; the semaphore's for <c>semaphore</c>.</param>
/// <param name="LockType"><c>sync.Mutex</c> or <c>sync.RWMutex</c>, for <c>lock</c>.</param>
/// <param name="LockMode"><c>write</c> (Lock) or <c>read</c> (RLock).</param>
/// <param name="Fd">The descriptor whose pollDesc holds the goroutine, for <c>io</c>.</param>
/// <param name="FdMode"><c>read</c> or <c>write</c>, for <c>io</c>.</param>
public sealed record GoWait(string Kind, ImmutableArray<ulong> Channels, ulong? Lock = null, string? LockType = null, string? LockMode = null, int? Fd = null, string? FdMode = null);

/// <summary>A goroutine seen to point at an object: the frame that does, and how.</summary>
/// <param name="Goroutine">The goroutine id.</param>
/// <param name="Function">The function of the frame.</param>
/// <param name="File">Its source file.</param>
/// <param name="Line">The line it is at.</param>
/// <param name="How">
/// <c>live-pointer</c> (a live variable of the frame, per the compiler's stack maps), or <c>pending-defer</c>
/// (a deferred call registered and not yet run that captured the object).
/// </param>
/// <param name="Detail">For a defer, the closure and what it calls, e.g. <c>main.(*room).broadcast.func1 (sync.(*RWMutex).RUnlock)</c>.</param>
public sealed record GoReference(long Goroutine, string Function, string File, int Line, string How, string? Detail = null);

/// <summary>A sync.Mutex or sync.RWMutex some goroutine waits for, with its state word decoded.</summary>
/// <param name="Address">Its address.</param>
/// <param name="Type"><c>sync.Mutex</c> or <c>sync.RWMutex</c>.</param>
/// <param name="Locked">Mutex: the locked bit. RWMutex: held by a writer, or by readers.</param>
/// <param name="Readers">RWMutex: readers inside (for a pending writer, those it still waits for).</param>
/// <param name="WriterWaiting">RWMutex: a writer announced itself and waits for the readers to leave.</param>
/// <param name="Waiters">Goroutines parked on it (ids).</param>
/// <param name="PendingUnlocks">Goroutines with a pending deferred call that captured it: the likely holders.</param>
/// <param name="References">Other goroutines holding a live pointer to it.</param>
public sealed record GoLock(
    ulong Address,
    string Type,
    bool Locked,
    int Readers,
    bool WriterWaiting,
    ImmutableArray<long> Waiters,
    ImmutableArray<GoReference> PendingUnlocks,
    ImmutableArray<GoReference> References)
{
    /// <summary>The package-level variable it is (e.g. <c>main.mu</c>), when the symbol table names its address.</summary>
    public string? Symbol { get; init; }
}
