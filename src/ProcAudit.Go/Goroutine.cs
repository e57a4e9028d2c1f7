using System.Collections.Immutable;

namespace ProcAudit.Go;

/// <summary>One goroutine as read from the target's memory.</summary>
/// <param name="Id">The goroutine id (goid), as the runtime's traceback prints it.</param>
/// <param name="Status">idle, runnable, running, syscall, waiting, dead, copystack, preempted (the scan bit is dropped).</param>
/// <param name="WaitReason">The runtime's wait reason text (e.g. "chan send") for a waiting goroutine.</param>
/// <param name="WaitingSinceNanos">
/// g.waitsince: the CLOCK_MONOTONIC time in ns when a GC first saw the goroutine blocked; null when no GC has seen it.
/// </param>
/// <param name="Frames">The stack, innermost first; empty for a running goroutine (no registers without ptrace).</param>
/// <param name="Channel">For a channel send or receive, the channel it is parked on.</param>
/// <param name="ThreadId">For a running or syscall goroutine, the thread (TID) of its M.</param>
/// <param name="Note">Why the stack is missing or partial, when it is.</param>
public sealed record Goroutine(
    long Id,
    string Status,
    string? WaitReason,
    long? WaitingSinceNanos,
    ImmutableArray<GoFrame> Frames,
    GoChannel? Channel,
    int? ThreadId,
    string? Note)
{
    /// <summary>The hchan address this goroutine waits on, for channel sends and receives.</summary>
    public ulong? WaitsOnChannel => Channel?.Address;

    /// <summary>The g's address in the target.</summary>
    public ulong Address { get; init; }

    /// <summary>What it waits on, when the runtime's structures say (channels, locks, the netpoller).</summary>
    public GoWait? Wait { get; init; }
}
