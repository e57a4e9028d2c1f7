using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ProcAudit.DotNet;

/// <summary>
/// The runtime-level view of a .NET process that the kernel cannot give: managed stacks per OS thread, and who
/// holds and who waits for each monitor. Each call is bounded in time, never stops, traces or signals the target,
/// and reports an expected failure (not .NET, gone, port disabled, DAC missing, over budget) as a status and
/// notes instead of throwing.
/// </summary>
/// <remarks>
/// Linux only. Calls for different processes may run in parallel. Work that overruns its budget is abandoned, not
/// waited for: it stops at its next cancellation point and removes its temporary files itself.
/// </remarks>
public static class DotNetInspector
{
    /// <summary>A budget that fits a stack capture of a typical process with room to spare (about 0.6 s cold here).</summary>
    public static readonly TimeSpan DefaultBudget = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan s_shortestWindow = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan s_longestWindow = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Managed stacks per OS thread id, from a short EventPipe session (sample profiler and rundown) through the
    /// target's diagnostics port.
    /// </summary>
    /// <param name="pid">The process.</param>
    /// <param name="budget">
    /// The most the call may take, all in (connecting, sampling for a tenth of it between 10 and 100 ms, the
    /// rundown, parsing); <see cref="Timeout.InfiniteTimeSpan"/> for no bound. <see cref="DefaultBudget"/> suits most.
    /// </param>
    /// <param name="ct">Cancels the call; it then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The stacks, or a status and notes saying why there are none.</returns>
    /// <remarks>
    /// The sample profiler pauses managed code for an instant at each sample during the window, as a GC does;
    /// the process is never stopped in the kernel's sense. Only threads with managed frames appear.
    /// </remarks>
    public static ManagedStacks CaptureStacks(int pid, TimeSpan budget, CancellationToken ct = default)
    {
        CheckBudget(budget);
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            // A constant in the native build, which leaves the sample out: TraceEvent's trace parsers need code
            // generated at run time. Its dotnet-view verb hands a process that needs the sample to the JIT-compiled copy.
            return new ManagedStacks { Pid = pid, Status = CaptureStatus.Unavailable, Notes = ["the EventPipe stack sample needs the JIT-compiled copy of the tool"] };
        }
        Stopwatch elapsed = Stopwatch.StartNew();
        TimeSpan window = SamplingWindow(budget);
        BoundedOutcome<ManagedStacks> outcome = BoundedRun.Run(workCt => EventPipeStackCapture.Capture(pid, window, workCt), budget, ct);
        ManagedStacks result = outcome switch
        {
            { Finished: false } => new ManagedStacks
            {
                Pid = pid,
                Status = CaptureStatus.TimedOut,
                Notes =
                [
                    $"The managed stacks of process {pid} did not arrive within {Describe(budget)} (connecting, {window.TotalMilliseconds:0} ms of sampling, the rundown of every method, parsing): the capture was abandoned. A large application's rundown takes longer; a larger budget may do.",
                ],
            },
            { Result: ManagedStacks stacks } => stacks,
            _ => new ManagedStacks
            {
                Pid = pid,
                Status = CaptureStatus.Failed,
                Notes = [$"Capturing the managed stacks of process {pid} failed unexpectedly: {Describe(outcome.Error)}."],
            },
        };
        return result with { Elapsed = elapsed.Elapsed };
    }

    /// <summary>
    /// Lock owners and waiters (monitors, and <c>System.Threading.Lock</c>), read with ClrMD attached without
    /// suspending, using the DAC beside the target's own <c>libcoreclr.so</c>. Also returns each managed thread's
    /// stack as ClrMD unwound it.
    /// </summary>
    /// <param name="pid">The process.</param>
    /// <param name="budget">The most the call may take, all in; <see cref="Timeout.InfiniteTimeSpan"/> for no bound.</param>
    /// <param name="ct">Cancels the call; it then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The locks, or a status and notes saying why there are none.</returns>
    /// <remarks>
    /// Memory is read while the process runs, so a thread that is moving may be seen half-way; the threads of a
    /// hang do not move. Sync-block locks (every contended monitor) are all found; thin (never contended) locks and
    /// <c>System.Threading.Lock</c>s only when a thread's stack refers to the locked object, which the stacks of a
    /// lock's waiters always do.
    /// </remarks>
    public static ManagedLocks CaptureLocks(int pid, TimeSpan budget, CancellationToken ct = default)
    {
        CheckBudget(budget);
        Stopwatch elapsed = Stopwatch.StartNew();
        BoundedOutcome<ManagedLocks> outcome = BoundedRun.Run(workCt => ClrMdLockCapture.Capture(pid, workCt), budget, ct);
        ManagedLocks result = outcome switch
        {
            { Finished: false } => new ManagedLocks
            {
                Pid = pid,
                Status = CaptureStatus.TimedOut,
                Notes =
                [
                    $"The managed locks of process {pid} were not read within {Describe(budget)} (attaching, loading the DAC, reading sync blocks and stacks): the read was abandoned; a larger budget may do.",
                ],
            },
            { Result: ManagedLocks locks } => locks,
            _ => new ManagedLocks
            {
                Pid = pid,
                Status = CaptureStatus.Failed,
                Notes = [$"Reading the managed locks of process {pid} failed unexpectedly: {Describe(outcome.Error)}."],
            },
        };
        return result with { Elapsed = elapsed.Elapsed };
    }

    /// <summary>A tenth of the budget, at least 10 ms (a few samples) and at most 100 ms (a hung stack does not change).</summary>
    internal static TimeSpan SamplingWindow(TimeSpan budget)
    {
        if (budget == Timeout.InfiniteTimeSpan)
        {
            return s_longestWindow;
        }

        TimeSpan tenth = budget / 10;
        return tenth < s_shortestWindow ? s_shortestWindow : tenth > s_longestWindow ? s_longestWindow : tenth;
    }

    private static void CheckBudget(TimeSpan budget)
    {
        if (budget < TimeSpan.Zero && budget != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(budget), budget, "The budget must be zero or more, or Timeout.InfiniteTimeSpan.");
        }
    }

    private static string Describe(TimeSpan budget)
    {
        return budget == Timeout.InfiniteTimeSpan ? "an unbounded budget" : $"the {budget.TotalMilliseconds:0} ms budget";
    }

    private static string Describe(Exception? error)
    {
        return error is null ? "no result" : $"{error.GetType().FullName}: {error.Message.TrimEnd('.')}";
    }
}
