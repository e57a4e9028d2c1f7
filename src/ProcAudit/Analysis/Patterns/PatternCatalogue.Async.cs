using System.Collections.Immutable;
using System.Globalization;
using static ProcAudit.Analysis.Patterns.Clause;

namespace ProcAudit.Analysis.Patterns;

/// <summary>
/// The .NET async patterns that are not about a lock: sync-over-async that leaves no thread to run the
/// continuations it waits for (the thread pool's, or a single-threaded SynchronizationContext's).
/// </summary>
internal static partial class PatternCatalogue
{
    /// <summary>A thread blocks on an async flow whose continuation was posted to that thread's own single-threaded SynchronizationContext.</summary>
    public static readonly CyclePattern<SyncContextDeadlockFacts> SyncContextDeadlock = new(
        "sync-context-deadlock",
        "a thread blocked on async work that needs that thread",
        f => $"In {f.Process}, {f.Thread} blocks in {f.Call}{(f.Caller is null ? "" : " in " + f.Caller)} on {f.Flow}, whose continuation was posted to that thread's own " +
            $"SynchronizationContext ({f.ContextType}, {f.Context}) and waits in its queue for the thread to run it: the thread waits for the flow and the flow for the thread " +
            "(inferred: a single-threaded context runs what is posted to it on its own thread, taken as the one whose SynchronizationContext.Current it is).",
        _ => "Do not block the context's thread (a UI or request thread) on async work: await it instead of .Result, .Wait() or GetAwaiter().GetResult(). " +
            "In library code add ConfigureAwait(false) to every await, so its continuations do not need the caller's context.");

    /// <summary>A full bounded Channel&lt;T&gt;'s writers wait for its reader flow, which is stuck sending to a peer that does not read.</summary>
    public static readonly FindingPattern<ChannelReaderBlockedFacts> ChannelReaderBlocked = new(
        "channel-reader-blocked",
        "a full channel whose reader is stuck on a peer that does not read",
        f => $"In {f.Process}, {f.Writer}{(f.MoreWriters > 0 ? $" (and {f.MoreWriters.ToString(CultureInfo.InvariantCulture)} more writer{Plural(f.MoreWriters)})" : "")} awaits WriteAsync on a full bounded channel " +
            $"({f.Channel}, {f.Count?.ToString(CultureInfo.InvariantCulture) ?? "?"}/{f.Capacity?.ToString(CultureInfo.InvariantCulture) ?? "?"} items) whose reader, {f.Reader}, " +
            $"awaits a Send on fd {f.Peer.Fd} ({f.Peer.Socket}) that the peer, {f.Peer.Reader} fd {f.Peer.ReaderFd} ({f.Peer.PeerSocket}{(f.Peer.PeerRecvQueue is long q ? $", Recv-Q {Describe.Bytes(q)}" : "")}), " +
            $"does not read: it {f.Peer.Doing}. Nothing drains the channel until the peer reads (the reader inferred: {f.ReaderEvidence}).",
        f => $"Make {f.Peer.Reader} read the connection (or close it); give the reader's send a timeout or CancellationToken so a peer that stops reading cannot stall the pipeline, " +
            "and let the writers bound their wait (WriteAsync with a CancellationToken, or BoundedChannelFullMode.DropOldest/DropWrite) so back-pressure shows instead of hanging.");

    /// <summary>Every thread-pool thread is blocked (sync-over-async) while work, often the very continuations they wait for, sits in the pool's queue.</summary>
    public static readonly FindingPattern<ThreadPoolStarvationFacts> ThreadPoolStarvation = new(
        "thread-pool-starvation",
        "every thread-pool thread blocked, work queued",
        f => $"In {f.Process}, {(f.Workers == 1 ? "the one thread-pool thread is" : $"all {f.Workers.ToString(CultureInfo.InvariantCulture)} thread-pool threads are")} blocked and {f.Queued.ToString(CultureInfo.InvariantCulture)} work item{Plural(f.Queued)} " +
            $"wait{Singular(f.Queued)} in the pool's queue for one ({string.Join(", ", f.QueuedWork.Take(4))}{(f.QueuedWork.Length > 4 ? ", ..." : "")}): " +
            $"{string.Join("; ", f.Blockers.Take(4))}{(f.Blockers.Length > 4 ? $"; and {f.Blockers.Length - 4} more" : "")}. " +
            (f.MaxWorkers is int max && f.Workers >= max
                ? $"The pool is at its maximum of {max.ToString(CultureInfo.InvariantCulture)} thread{Plural(max)} (ThreadPool.SetMaxThreads, DOTNET_ThreadPool_ForceMaxWorkerThreads) and will add none, so nothing can run the queue"
                : $"The pool is below its maximum{(f.MaxWorkers is int m ? $" of {m.ToString(CultureInfo.InvariantCulture)}" : "")} but adds threads only slowly while starved, and each new thread takes queued work that may block the same way") +
            (f.SyncOverAsync ? ": sync-over-async has starved the thread pool." : "."),
        _ => "Do not block thread-pool threads on async work: await it all the way up instead of .Result, .Wait() or GetAwaiter().GetResult(). " +
            "Where a blocking call cannot be avoided, make it on a thread of its own (TaskCreationOptions.LongRunning), and do not cap the pool (SetMaxThreads) below the blocking it must absorb.");
}

/// <param name="Process">The .NET process.</param>
/// <param name="Writer">The first writer flow blocked on the channel (<see cref="Runtimes.DotNetWords.Flow"/>).</param>
/// <param name="MoreWriters">How many more writers are blocked on it.</param>
/// <param name="Channel">The channel's id.</param>
/// <param name="Count">Items in it.</param>
/// <param name="Capacity">Its capacity.</param>
/// <param name="Reader">The flow taken as its reader.</param>
/// <param name="ReaderEvidence">Why it is taken as the reader.</param>
/// <param name="Peer">The reader's send and the peer that does not read it (its Sender is not used).</param>
internal sealed record ChannelReaderBlockedFacts(string Process, string Writer, int MoreWriters, string Channel, int? Count, int? Capacity, string Reader, string ReaderEvidence, PeerNotReadingFacts.Local Peer);

/// <param name="Process">The .NET process.</param>
/// <param name="Thread">The blocked thread, the context's own (<see cref="Describe.Thread"/>).</param>
/// <param name="Call">The synchronous wait it is in (".Result").</param>
/// <param name="Caller">The program's own frame that makes it, when the stack was read.</param>
/// <param name="Flow">The flow it waits for (<see cref="Runtimes.DotNetWords.Flow"/>).</param>
/// <param name="ContextType">The context's type.</param>
/// <param name="Context">The context's id (<c>synccontext:PID:0xADDR</c>).</param>
internal sealed record SyncContextDeadlockFacts(string Process, string Thread, string Call, string? Caller, string Flow, string ContextType, string Context);

/// <param name="Process">The .NET process.</param>
/// <param name="Workers">Its thread-pool worker threads, every one blocked.</param>
/// <param name="MaxWorkers">The most the pool may have, when read.</param>
/// <param name="Queued">Work items in its queues.</param>
/// <param name="QueuedWork">What they run, folded ("2 x continuation of Ns.Class.Method").</param>
/// <param name="Blockers">What the workers are blocked in, folded: "threads 10 and 11 block in .Result in Ns.Class.Handle(Int32) on async flow Ns.Class.LoadAsync@0, whose continuation waits in that queue".</param>
/// <param name="SyncOverAsync">True when some worker is blocked synchronously on an async flow or task.</param>
internal sealed record ThreadPoolStarvationFacts(string Process, int Workers, int? MaxWorkers, int Queued, ImmutableArray<string> QueuedWork, ImmutableArray<string> Blockers, bool SyncOverAsync);
