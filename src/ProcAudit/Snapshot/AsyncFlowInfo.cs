using System.Collections.Immutable;

namespace ProcAudit;

/// <summary>A pending async flow of a .NET process: a chain of awaiting methods, read from the heap.</summary>
public sealed record AsyncFlowInfo
{
    /// <summary><c>flow:PID:0xADDR</c> (the innermost state machine box).</summary>
    public required string Id { get; init; }

    /// <summary>The awaiting methods, outermost first, each as <c>Type.Method@awaitState</c> (combinators such as Task.WhenAll without a state).</summary>
    public ImmutableArray<string> Frames { get; init => field = value.OrEmpty(); } = ImmutableArray<string>.Empty;

    /// <summary>What the innermost method awaits: <c>semaphore</c>, <c>promise</c>, <c>channel-write</c>, <c>channel-read</c>, <c>socket</c>, <c>delay</c>, <c>when-all</c>, <c>when-any</c>, <c>thread-pool</c> (its continuation is queued for a pool thread), <c>sync-context</c> (its continuation was posted to a SynchronizationContext), <c>running</c>, <c>other</c>, <c>unknown</c>.</summary>
    public required string Awaits { get; init; }

    /// <summary>
    /// Where each frame is suspended in the source ("Program.cs:41", from the portable PDB beside its assembly), one
    /// per frame; null for a frame without one; empty when no frame has one.
    /// </summary>
    public ImmutableArray<string?> FrameSites { get; init => field = value.OrEmpty(); } = ImmutableArray<string?>.Empty;

    /// <summary>The object awaited, when it has an id: <c>semaphore:PID:0xADDR</c>, <c>promise:PID:0xADDR</c>, <c>channel:PID:0xADDR</c>, <c>synccontext:PID:0xADDR</c>.</summary>
    public string? WaitsOn { get; init; }

    /// <summary>For socket I/O: the descriptor, and the operation (<c>Accept</c>, <c>Send</c>, ...).</summary>
    public int? Fd { get; init; }

    /// <summary>The socket operation, for socket I/O.</summary>
    public string? Operation { get; init; }

    /// <summary>Threads blocked synchronously on this flow (Task.Wait, .Result, GetAwaiter().GetResult()).</summary>
    public ImmutableArray<int> BlockedThreads { get; init => field = value.OrEmpty(); } = ImmutableArray<int>.Empty;

    /// <summary>True when the flow's await state or awaited object changed between two reads of the heap: not stuck.</summary>
    public bool Moved { get; init; }

    /// <summary>For <c>channel-write</c> and <c>channel-read</c>: the bounded channel's capacity.</summary>
    public int? ChannelCapacity { get; init; }

    /// <summary>For <c>channel-write</c> and <c>channel-read</c>: the items it holds (equal to the capacity when full).</summary>
    public int? ChannelCount { get; init; }

    /// <summary>For <c>channel-write</c> on a full channel no flow waits to read: the flows taken as its readers, busy elsewhere, each with the evidence (always inferred).</summary>
    public ImmutableArray<AsyncHolder> ChannelReaders { get; init => field = value.OrEmpty(); } = ImmutableArray<AsyncHolder>.Empty;

    /// <summary>For <c>sync-context</c>: the context's type (<c>System.Windows.Forms.WindowsFormsSynchronizationContext</c>, a program's own).</summary>
    public string? ContextType { get; init; }

    /// <summary>For <c>sync-context</c>: the threads whose current context it is (a single-threaded context's one thread runs what is posted to it).</summary>
    public ImmutableArray<int> ContextThreads { get; init => field = value.OrEmpty(); } = ImmutableArray<int>.Empty;
}

/// <summary>A SemaphoreSlim some async flow waits on, with its count, its waiters and who holds it.</summary>
public sealed record AsyncLockInfo
{
    /// <summary><c>semaphore:PID:0xADDR</c>.</summary>
    public required string Id { get; init; }

    /// <summary>Free slots now.</summary>
    public int CurrentCount { get; init; }

    /// <summary>Its maximum, when it has one.</summary>
    public int? MaxCount { get; init; }

    /// <summary>Flow ids queued in WaitAsync, in queue order.</summary>
    public ImmutableArray<string> Waiters { get; init => field = value.OrEmpty(); } = ImmutableArray<string>.Empty;

    /// <summary>Flows taken to hold it, each with the evidence (the runtime records no holder: always inferred).</summary>
    public ImmutableArray<AsyncHolder> Holders { get; init => field = value.OrEmpty(); } = ImmutableArray<AsyncHolder>.Empty;
}

/// <summary>A flow taken to hold a semaphore, and why.</summary>
/// <param name="Flow">The flow id.</param>
/// <param name="Evidence">In words: what was read that makes it the holder.</param>
public sealed record AsyncHolder(string Flow, string Evidence);

/// <summary>A .NET process's thread pool as the runtime's own fields say: its worker threads and the work queued for them.</summary>
public sealed record ThreadPoolInfo
{
    /// <summary>The most workers it may have (<c>ThreadPool.SetMaxThreads</c>, <c>DOTNET_ThreadPool_ForceMaxWorkerThreads</c>); null when not read.</summary>
    public int? MaxWorkers { get; init; }

    /// <summary>The fewest it keeps (<c>ThreadPool.SetMinThreads</c>); null when not read.</summary>
    public int? MinWorkers { get; init; }

    /// <summary>Worker threads that exist.</summary>
    public int Workers { get; init; }

    /// <summary>Workers inside a work item now (running it, or blocked in it); the others wait for work.</summary>
    public int Processing { get; init; }

    /// <summary>Workers the pool counts as blocked in a synchronous wait on a task (<c>Task.Wait</c>, <c>.Result</c>); null when not read.</summary>
    public int? Blocked { get; init; }

    /// <summary>Work items queued for a thread (the global queues and each worker's local one).</summary>
    public int Queued { get; init; }

    /// <summary>What the queued items run, folded: <c>2 x continuation of Ns.Class.Method</c>.</summary>
    public ImmutableArray<string> QueuedWork { get; init => field = value.OrEmpty(); } = ImmutableArray<string>.Empty;

    /// <summary>True when the queue's items changed between two reads of the heap: the pool is taking work.</summary>
    public bool Moved { get; init; }
}
