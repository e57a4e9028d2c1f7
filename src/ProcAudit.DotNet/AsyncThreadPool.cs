using System.Collections.Immutable;

namespace ProcAudit.DotNet;

/// <summary>
/// The runtime's thread pool as its own fields say (the portable pool of .NET 6 and later): how many worker threads
/// it has and may have, and the work waiting in its queues for a thread.
/// </summary>
public sealed record AsyncThreadPool
{
    /// <summary>The fewest workers it keeps (<c>ThreadPool.SetMinThreads</c>); null when not read.</summary>
    public int? MinWorkers { get; init; }

    /// <summary>The most workers it may have (<c>ThreadPool.SetMaxThreads</c>, DOTNET_ThreadPool_ForceMaxWorkerThreads); null when not read.</summary>
    public int? MaxWorkers { get; init; }

    /// <summary>Worker threads that exist now.</summary>
    public int Workers { get; init; }

    /// <summary>Worker threads running a work item now (the rest wait for work); a worker blocked inside its work item counts as running it.</summary>
    public int Processing { get; init; }

    /// <summary>Workers the pool counts as blocked in a synchronous wait it was told of (<c>Task.Wait</c>, <c>.Result</c>); null when not read.</summary>
    public int? Blocked { get; init; }

    /// <summary>Work items queued and not yet taken by a thread: the global queues and every worker's local queue.</summary>
    public int Queued { get; init; }

    /// <summary>The queued items' addresses, in queue order (global queues first), at most <see cref="ThreadPoolReader.MaxItemsKept"/>.</summary>
    public ImmutableArray<ulong> QueuedAddresses { get; init; } = ImmutableArray<ulong>.Empty;

    /// <summary>The queued items folded by what they run, most common first.</summary>
    public ImmutableArray<AsyncQueuedWork> QueuedWork { get; init; } = ImmutableArray<AsyncQueuedWork>.Empty;

    /// <summary>Whether the queue kept still since an earlier read (<see cref="AsyncFlowCapture.CaptureTwice"/>): the same items in it.</summary>
    public FlowMotion Motion { get; init; }
}

/// <summary>Queued work items of one kind.</summary>
/// <param name="What">What they run: <c>continuation of Ns.Class.Method</c> for an async method's box, the delegate's method for a task or callback, else the item's type.</param>
/// <param name="Count">How many.</param>
public sealed record AsyncQueuedWork(string What, int Count);
