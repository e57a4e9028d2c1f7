using System.Collections.Immutable;

namespace ProcAudit.DotNet;

/// <summary>A <c>SemaphoreSlim</c> that async flows wait on, with the flows inferred to hold it.</summary>
public sealed record AsyncSemaphore
{
    /// <summary>The semaphore's address in the target's heap: its id.</summary>
    public required ulong Address { get; init; }

    /// <summary>Free slots now (<c>CurrentCount</c>): 0 when every slot is taken.</summary>
    public required int CurrentCount { get; init; }

    /// <summary>The maximum it was created with; null when unbounded (int.MaxValue).</summary>
    public int? MaxCount { get; init; }

    /// <summary>The flows queued in its <c>WaitAsync</c> list, by <see cref="AsyncFlow.Id"/>, in queue order.</summary>
    public ImmutableArray<ulong> WaiterFlowIds { get; init; } = ImmutableArray<ulong>.Empty;

    /// <summary>Threads blocked in a synchronous <c>Wait()</c> (the semaphore's <c>m_waitCount</c>).</summary>
    public int SyncWaiters { get; init; }

    /// <summary>Flows inferred to hold a slot: the runtime records no holders; see <see cref="AsyncSemaphoreHolder.Evidence"/>.</summary>
    public ImmutableArray<AsyncSemaphoreHolder> Holders { get; init; } = ImmutableArray<AsyncSemaphoreHolder>.Empty;
}
