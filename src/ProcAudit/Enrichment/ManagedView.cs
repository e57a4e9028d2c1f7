using System.Collections.Immutable;

namespace ProcAudit.Enrichment;

/// <summary>
/// What the .NET view read of one process, apart from the process itself: the managed frames of its threads, its
/// locks, its pending async flows and thread pool, and what could not be read. The view's helper process returns it
/// and the audit applies it to the process as its last look saw it, so the helper never needs the whole process (it
/// would pay, at every start, the JIT of reading one).
/// </summary>
public sealed record ManagedView
{
    /// <summary>The process it was read from.</summary>
    public required int Pid { get; init; }

    /// <summary>The managed frames of each thread that has any, innermost first.</summary>
    public ImmutableArray<ManagedThreadFrames> Stacks { get; init => field = value.OrEmpty(); } = ImmutableArray<ManagedThreadFrames>.Empty;

    /// <summary>As <see cref="ProcessInfo.ManagedLocks"/>.</summary>
    public ImmutableArray<ManagedLock> ManagedLocks { get; init => field = value.OrEmpty(); } = ImmutableArray<ManagedLock>.Empty;

    /// <summary>As <see cref="ProcessInfo.AsyncFlows"/>.</summary>
    public ImmutableArray<AsyncFlowInfo> AsyncFlows { get; init => field = value.OrEmpty(); } = ImmutableArray<AsyncFlowInfo>.Empty;

    /// <summary>As <see cref="ProcessInfo.AsyncFlowsFound"/>.</summary>
    public int? AsyncFlowsFound { get; init; }

    /// <summary>As <see cref="ProcessInfo.AsyncLocks"/>.</summary>
    public ImmutableArray<AsyncLockInfo> AsyncLocks { get; init => field = value.OrEmpty(); } = ImmutableArray<AsyncLockInfo>.Empty;

    /// <summary>As <see cref="ProcessInfo.ThreadPool"/>.</summary>
    public ThreadPoolInfo? ThreadPool { get; init; }

    /// <summary>The parts that were read (<c>managed-stacks</c>, <c>managed-locks</c>, <c>async-flows</c>).</summary>
    public ImmutableArray<string> RuntimeViews { get; init => field = value.OrEmpty(); } = ImmutableArray<string>.Empty;

    /// <summary>What could not be read, and why.</summary>
    public ImmutableArray<Note> Notes { get; init => field = value.OrEmpty(); } = ImmutableArray<Note>.Empty;

    /// <summary>The threads of the process its last look saw running: the view asks about those alone (they may need a stack sample).</summary>
    public static IReadOnlyList<int> RunningThreads(ProcessInfo process) =>
        process.Threads.Where(t => t.State == "R").Select(t => t.Tid).ToArray();

    /// <summary>The process with all of it filled in: frames by thread id, the rest as read.</summary>
    public RuntimeView ApplyTo(ProcessInfo process)
    {
        Dictionary<int, ImmutableArray<string>> frames = new();
        foreach (ManagedThreadFrames stack in Stacks)
        {
            frames.TryAdd(stack.Tid, stack.Frames);
        }
        return new RuntimeView(process with
        {
            Threads = process.Threads.Select(t => frames.TryGetValue(t.Tid, out ImmutableArray<string> f) && !f.IsDefaultOrEmpty ? t with { ManagedStack = f } : t).ToImmutableArray(),
            ManagedLocks = ManagedLocks,
            AsyncFlows = AsyncFlows,
            AsyncFlowsFound = AsyncFlowsFound,
            AsyncLocks = AsyncLocks,
            ThreadPool = ThreadPool,
            RuntimeViews = RuntimeViews,
        }, Notes);
    }
}

/// <summary>The managed frames of one thread.</summary>
/// <param name="Tid">The OS thread id.</param>
/// <param name="Frames">Its frames, innermost first.</param>
public sealed record ManagedThreadFrames(int Tid, ImmutableArray<string> Frames);
