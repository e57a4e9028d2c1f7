using System.Collections.Immutable;
using System.Globalization;
using static ProcAudit.Analysis.Patterns.Clause;

namespace ProcAudit.Analysis.Patterns;

/// <summary>
/// The patterns that are where waits end rather than a shape: a cycle with no better name, a stopped process the tree
/// waits on, and waits that lead somewhere ProcAudit cannot explain.
/// </summary>
internal static partial class PatternCatalogue
{
    /// <summary>Any other wait cycle.</summary>
    public static readonly CyclePattern<WaitCycleFacts> WaitCycle = new(
        "wait-cycle",
        "a wait cycle",
        f => $"Wait cycle: {string.Join(", ", f.Links)}; none of them can move{OneEdgeInferred(f.Inferred)}.",
        _ => "Break the cycle at any edge: make one of these waits asynchronous or bounded.");

    /// <summary>A stopped process (SIGSTOP, Ctrl-Z, a tracer) that the tree waits on, or that is in the tree.</summary>
    public static readonly FindingPattern<StoppedProcessFacts> StoppedProcess = new(
        "stopped-process",
        "a stopped process",
        f => $"{f.Process} is {(f.Traced
                ? $"stopped by its tracer{Space(f.Tracer)} (state t)"
                : "stopped (state T: SIGSTOP, or Ctrl-Z / SIGTSTP, or SIGTTIN/SIGTTOU for a background job that used the terminal)")}" +
            $"{(f.FirstWaiter is null ? "" : $"; {f.FirstWaiter}{(f.MoreWaiters > 0 ? $" (and {f.MoreWaiters} more wait{(f.MoreWaiters == 1 ? " leads" : "s lead")} here)" : "")}")}" +
            ": nothing moves until it is resumed.",
        f => f.Traced
            ? $"Continue or detach it in its tracer{Space(f.Tracer)} (a debugger or strace), or end the tracer."
            : $"Resume it: `kill -CONT {f.Pid.ToString(CultureInfo.InvariantCulture)}` (or `fg` in the shell that stopped it); a background job stopped for using the terminal needs its input and output redirected away from it.");

    /// <summary>Nothing moved, and some wait leads somewhere ProcAudit cannot explain: the one finding that makes a tree <c>blocked</c> rather than <c>stalled</c>.</summary>
    public static readonly FindingPattern<UnexplainedWaitFacts> UnexplainedWait = new(
        "unexplained-wait",
        "a wait ProcAudit cannot explain",
        f => $"Nothing moved, and ProcAudit cannot tell what would wake {f.Process}: {f.Wait}." +
            $"{(f.Threads.IsEmpty ? "" : $" Waiting there: {string.Join("; ", f.Threads.Take(8))}{(f.Threads.Length > 8 ? $"; and {f.Threads.Length - 8} more" : "")}.")}" +
            $"{(f.OtherWaiters.IsEmpty ? "" : $" Waits of {string.Join(", ", f.OtherWaiters)} lead here too.")}",
        _ => "Look at what these threads are blocked in (their stacks: `gdb -p PID -batch -ex 'thread apply all bt'`, py-spy dump, dotnet-stack), and at what outside the tree " +
            "could wake them; the kinds of wait ProcAudit follows are listed in its README.");

    private static string Space(string? words) => words is null ? "" : " " + words;
}

/// <param name="Links">Each wait of the cycle, in order: "python3 10 reads empty pipe:[1] written by python3 11".</param>
/// <param name="Inferred">The evidence of the first inferred edge; null when every edge was observed.</param>
internal sealed record WaitCycleFacts(ImmutableArray<string> Links, string? Inferred);

/// <param name="Process">The stopped process.</param>
/// <param name="Pid">Its pid, for the fix.</param>
/// <param name="Traced">True when its tracer stopped it (state t), false for a job-control stop (state T).</param>
/// <param name="Tracer">The tracer, when known.</param>
/// <param name="FirstWaiter">The first wait that leads to it, as a clause ("bash 10 waits for it to exit"); null when none does.</param>
/// <param name="MoreWaiters">How many more waits lead to it.</param>
internal sealed record StoppedProcessFacts(string Process, int Pid, bool Traced, string? Tracer, string? FirstWaiter, int MoreWaiters);

/// <param name="Process">The process the waits lead to.</param>
/// <param name="Wait">The first wait's end, in words.</param>
/// <param name="Threads">Each thread (or goroutine, or async flow) of it that waits there, as a line.</param>
/// <param name="OtherWaiters">The other processes whose waits lead there.</param>
internal sealed record UnexplainedWaitFacts(string Process, string Wait, ImmutableArray<string> Threads, ImmutableArray<string> OtherWaiters);
