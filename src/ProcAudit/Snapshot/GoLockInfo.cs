using System.Collections.Immutable;

namespace ProcAudit;

/// <summary>A sync.Mutex or sync.RWMutex some goroutine of the process waits for, read from its state words.</summary>
public sealed record GoLockInfo
{
    /// <summary><c>golock:PID:0xADDR</c>.</summary>
    public required string Id { get; init; }

    /// <summary><c>sync.Mutex</c> or <c>sync.RWMutex</c>.</summary>
    public required string Type { get; init; }

    /// <summary>The package-level variable it is, e.g. <c>main.mu</c>, when the binary's symbols name its address.</summary>
    public string? Symbol { get; init; }

    /// <summary>Held (by a writer, or for an RWMutex by readers).</summary>
    public bool Locked { get; init; }

    /// <summary>RWMutex: readers inside (for a pending writer, the ones it still waits for).</summary>
    public int Readers { get; init; }

    /// <summary>RWMutex: a writer waits for the readers to leave (and blocks new readers).</summary>
    public bool WriterWaiting { get; init; }

    /// <summary>Goroutines parked on it (observed).</summary>
    public ImmutableArray<long> Waiters { get; init => field = value.OrEmpty(); } = ImmutableArray<long>.Empty;

    /// <summary>
    /// Goroutines with a deferred call registered and not yet run that captured this lock (a pending
    /// <c>defer mu.Unlock()</c>): the runtime does not record holders, so these are the evidence for one.
    /// </summary>
    public ImmutableArray<GoReferenceInfo> PendingUnlocks { get; init => field = value.OrEmpty(); } = ImmutableArray<GoReferenceInfo>.Empty;

    /// <summary>Other goroutines holding a live pointer to it.</summary>
    public ImmutableArray<GoReferenceInfo> References { get; init => field = value.OrEmpty(); } = ImmutableArray<GoReferenceInfo>.Empty;
}
