using System.Collections.Immutable;
using System.Diagnostics;

namespace ProcAudit.DotNet;

/// <summary>
/// The pending async flows ("async stacks") of a live .NET process, rebuilt from its heap through ClrMD attached
/// without suspending it (the same attach as <see cref="DotNetInspector.CaptureLocks"/>). Each call is bounded in
/// time and reports an expected failure (not .NET, gone, denied, DAC missing, heap not walkable, over budget) as a
/// status and notes, never as an exception.
/// </summary>
public static class AsyncFlowCapture
{
    /// <summary>The walk stops after this many pending tasks and pooled boxes, with a note: it bounds memory (about 250 MB at 300,000 measured).</summary>
    public const int MaxPendingTasks = 200_000;

    /// <summary>At most this many flows are listed one by one; all are counted in <see cref="AsyncFlows.Shapes"/>.</summary>
    public const int MaxFlowsListed = 1_000;

    /// <summary>
    /// The share of a read's budget the heap walk may use, counted from the start of the read: past it the walk
    /// stops, and what it found is still chained, classified, coalesced and reported with a note (a read abandoned
    /// at the budget would give nothing). The rest of the budget is for attaching and loading the DAC before the
    /// walk and for building the flows after it, which takes about four times as long as the walk (100,000 pending
    /// tasks, measured under a load of 30 on 2 cores: the walk 1.1 s, the rest 4.9 s).
    /// </summary>
    public const double WalkShare = 0.25;

    /// <summary>The default gap between the two reads of <see cref="CaptureTwice"/>.</summary>
    public static readonly TimeSpan DefaultGap = TimeSpan.FromMilliseconds(500);

    /// <summary>Reads the heap once. Every flow's <see cref="AsyncFlow.Motion"/> is <see cref="FlowMotion.NotCompared"/>.</summary>
    /// <param name="pid">The process.</param>
    /// <param name="budget">The most the call may take, all in; <see cref="Timeout.InfiniteTimeSpan"/> for no bound.</param>
    /// <param name="ct">Cancels the call; it then throws <see cref="OperationCanceledException"/>.</param>
    public static AsyncFlows Capture(int pid, TimeSpan budget, CancellationToken ct = default)
    {
        return Capture(pid, budget, budget == Timeout.InfiniteTimeSpan ? budget : budget * WalkShare, ct);
    }

    /// <summary>Reads the heap once, its walk stopped <paramref name="walkBudget"/> after the call starts.</summary>
    internal static AsyncFlows Capture(int pid, TimeSpan budget, TimeSpan walkBudget, CancellationToken ct)
    {
        Stopwatch elapsed = Stopwatch.StartNew();
        long walkDeadline = walkBudget == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)walkBudget.TotalMilliseconds;
        BoundedOutcome<AsyncFlows> outcome = BoundedRun.Run(
            workCt => ClrMdAttach.Run(
                pid,
                "async flows",
                runtime => AsyncFlowReader.Read(pid, runtime, MaxPendingTasks, MaxFlowsListed, walkDeadline, workCt),
                (status, note) => new AsyncFlows { Pid = pid, Status = status, Notes = [note] },
                workCt),
            budget,
            ct);
        AsyncFlows result = outcome switch
        {
            { Finished: false } => new AsyncFlows
            {
                Pid = pid,
                Status = CaptureStatus.TimedOut,
                Notes = [$"The async flows of process {pid} were not read within {budget.TotalMilliseconds:0} ms (attaching, loading the DAC, walking the heap): the read was abandoned; a large heap needs a larger budget."],
            },
            { Result: AsyncFlows flows } => flows,
            _ => new AsyncFlows
            {
                Pid = pid,
                Status = CaptureStatus.Failed,
                Notes = [$"Reading the async flows of process {pid} failed unexpectedly: {outcome.Error?.GetType().FullName}: {outcome.Error?.Message.TrimEnd('.')}."],
            },
        };
        return result with { Elapsed = elapsed.Elapsed };
    }

    /// <summary>
    /// Reads the heap twice, <paramref name="gap"/> apart, and returns the second read with each flow's
    /// <see cref="AsyncFlow.Motion"/>: <see cref="FlowMotion.Same"/> only when the first read had the same frames
    /// (addresses and await states) awaiting the same object with the same value-task token. Only such a flow may be called stuck; a timer loop or
    /// a busy pipeline shows up as moved.
    /// </summary>
    /// <param name="pid">The process.</param>
    /// <param name="budget">The most each read may take.</param>
    /// <param name="gap">The pause between the reads (<see cref="DefaultGap"/> suits most).</param>
    /// <param name="ct">Cancels the call.</param>
    /// <remarks>A garbage collection that compacts between the reads moves objects, so their flows show as moved: the error is on the side of "not stuck".</remarks>
    public static AsyncFlows CaptureTwice(int pid, TimeSpan budget, TimeSpan gap, CancellationToken ct = default)
    {
        Stopwatch elapsed = Stopwatch.StartNew();
        AsyncFlows first = Capture(pid, budget, ct);
        return CaptureAgain(first, budget, gap, ct) with { Elapsed = elapsed.Elapsed };
    }

    /// <summary>
    /// The second read of <see cref="CaptureTwice"/>, for a caller that spends the gap on other work: waits until
    /// <paramref name="gapLeft"/> has passed (nothing when it is zero or less), reads the heap again and compares
    /// with <paramref name="first"/>. A first read that failed is returned as it is.
    /// </summary>
    /// <param name="first">The first read, from <see cref="Capture(int, TimeSpan, CancellationToken)"/>.</param>
    /// <param name="budget">The most the second read may take.</param>
    /// <param name="gapLeft">What remains of the pause between the reads.</param>
    /// <param name="ct">Cancels the call.</param>
    public static AsyncFlows CaptureAgain(AsyncFlows first, TimeSpan budget, TimeSpan gapLeft, CancellationToken ct = default)
    {
        if (first.Status != CaptureStatus.Captured)
        {
            return first;
        }

        if (gapLeft > TimeSpan.Zero)
        {
            ct.WaitHandle.WaitOne(gapLeft);
            ct.ThrowIfCancellationRequested();
        }

        AsyncFlows second = Capture(first.Pid, budget, ct);
        if (second.Status != CaptureStatus.Captured)
        {
            return second;
        }

        HashSet<string> before = first.Flows.Select(Signature).ToHashSet(StringComparer.Ordinal);
        ImmutableArray<string> notes = second.Notes;
        if (first.TotalFlows > first.Flows.Length)
        {
            notes = notes.Add("The first read listed only part of the flows, so a flow left out of it shows as moved.");
        }

        return second with
        {
            ThreadPool = second.ThreadPool is AsyncThreadPool pool
                ? pool with { Motion = first.ThreadPool?.QueuedAddresses.SequenceEqual(pool.QueuedAddresses) == true ? FlowMotion.Same : FlowMotion.Moved }
                : null,
            Flows = second.Flows.Select(flow => flow with { Motion = before.Contains(Signature(flow)) ? FlowMotion.Same : FlowMotion.Moved }).ToImmutableArray(),
            Notes = notes,
            Elapsed = first.Elapsed + second.Elapsed,
        };
    }

    /// <summary>What must not change for a flow to count as still: each frame and its await state, and the awaited object.</summary>
    private static string Signature(AsyncFlow flow)
    {
        return string.Join(';', flow.Frames.Select(static frame => $"{frame.Address:x}:{frame.AwaitState}")) + $"->{flow.Await.Address:x}#{flow.Await.Token}";
    }
}
