using System.Collections.Immutable;

namespace ProcAudit.Go;

/// <summary>The goroutines of one Go process, read once, with notes on whatever could not be read.</summary>
/// <param name="Pid">The process read.</param>
/// <param name="GoVersion">The Go toolchain version from the binary's build info, or null when it is not a (supported) Go binary.</param>
/// <param name="Goroutines">Every goroutine that is not dead, in the runtime's allgs order.</param>
/// <param name="DeadGoroutines">Dead goroutines in allgs (kept by the runtime for reuse), counted, not listed.</param>
/// <param name="Notes">What failed or was cut short; empty when everything was read.</param>
/// <param name="Elapsed">Time the read took.</param>
/// <param name="MemoryReads">Number of reads of /proc/PID/mem.</param>
/// <param name="BytesRead">Bytes read from /proc/PID/mem.</param>
public sealed record GoroutineSnapshot(
    int Pid,
    string? GoVersion,
    ImmutableArray<Goroutine> Goroutines,
    int DeadGoroutines,
    ImmutableArray<string> Notes,
    TimeSpan Elapsed,
    int MemoryReads,
    long BytesRead)
{
    /// <summary>Every channel some goroutine is parked on, with its queues and the goroutines that hold it.</summary>
    public ImmutableArray<GoChannel> Channels { get; init; } = ImmutableArray<GoChannel>.Empty;

    /// <summary>Every sync.Mutex/RWMutex some goroutine waits for, with its state and likely holders.</summary>
    public ImmutableArray<GoLock> Locks { get; init; } = ImmutableArray<GoLock>.Empty;
}
