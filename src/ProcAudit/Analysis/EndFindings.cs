using System.Collections.Immutable;
using System.Globalization;
using ProcAudit.Analysis.Patterns;
using ProcAudit.Kinds;
using ProcAudit.Runtimes;

namespace ProcAudit.Analysis;

/// <summary>
/// The findings that come from where waits end rather than from a named pattern: a stopped
/// process the tree waits on (a stall), and waits that lead somewhere ProcAudit cannot explain
/// (which make the verdict <c>blocked</c>, never <c>running</c>). The words are the <see cref="PatternCatalogue"/>'s.
/// </summary>
internal static class EndFindings
{
    /// <summary>The kind of the finding that lists unexplained waits; it makes a tree blocked, not stalled.</summary>
    public static readonly string Unexplained = PatternCatalogue.UnexplainedWait.Name;

    /// <summary>The kind of the finding that names a stopped process.</summary>
    public static readonly string Stopped = PatternCatalogue.StoppedProcess.Name;

    public static IEnumerable<Finding> Find(Snapshot snapshot, ImmutableArray<WaitOutcome> outcomes, Describe d)
    {
        foreach (ProcessInfo stopped in snapshot.Processes.Where(p => p.State is "T" or "t"))
        {
            // The waiter on the stopped process's pipe or socket tells more than its parent waiting for it to exit.
            List<WaitOutcome> waiting = outcomes.Where(o => o.End == WaitEndKind.Stopped && o.At.Pid == stopped.Pid && o.Waiter.Pid != stopped.Pid)
                .OrderBy(o => o.Chain.FirstOrDefault()?.Reason == WaitReasons.WaitChildExit ? 1 : 0).ToList();
            if (stopped.InTree || waiting.Count > 0)
            {
                yield return StoppedProcess(stopped, waiting, d);
            }
        }
        foreach (IGrouping<int, WaitOutcome> group in outcomes.Where(o => o.End == WaitEndKind.Unexplained).GroupBy(o => o.At.Pid))
        {
            yield return UnexplainedWaits(snapshot, group.Key, group.ToList(), d);
        }
    }

    private static Finding StoppedProcess(ProcessInfo p, List<WaitOutcome> waiting, Describe d)
    {
        ImmutableArray<WaitEdge> edges = waiting.SelectMany(o => o.Chain).Distinct().ToImmutableArray();
        return PatternCatalogue.StoppedProcess.Finding(
            waiting.Select(o => o.Waiter.Pid).Prepend(p.Pid).Distinct().ToImmutableArray(),
            edges.Select(e => e.Object).FirstOrDefault(o => o is not null),
            new StoppedProcessFacts(d.Process(p.Pid), p.Pid, p.State == "t", p.TracerPid is int tracer ? d.Process(tracer) : null,
                waiting.Count == 0 ? null : Waiting(waiting[0], d), Math.Max(0, waiting.Count - 1))) with
        {
            Waits = edges,
            Certainty = edges.Any(e => e.Certainty == Certainty.Inferred) ? Certainty.Inferred : Certainty.Observed,
        };
    }

    private static string Waiting(WaitOutcome o, Describe d)
    {
        WaitEdge? first = o.Chain.IsEmpty ? null : o.Chain[0];
        // A wait on an object reads in its kind's words; a parent's wait for its child is no object's.
        string what = first is null ? "waits for it"
            : KindRegistry.OnStopped(first, d)
            ?? (first.Reason == WaitReasons.WaitChildExit ? "waits for it to exit" : $"waits for it ({first.Reason}{(first.Object is null ? "" : " on " + first.Object)})");
        string through = o.Chain.Length > 1 ? $" (through {o.Chain.Length - 1} more wait{(o.Chain.Length == 2 ? "" : "s")})" : "";
        string certainty = first?.Certainty == Certainty.Inferred ? $" (inferred: {first.Evidence})" : "";
        return $"{d.Who(o.Waiter)} {what}{through}{certainty}";
    }

    private static Finding UnexplainedWaits(Snapshot snapshot, int pid, List<WaitOutcome> outcomes, Describe d)
    {
        WaitOutcome first = outcomes[0];
        ImmutableArray<WaitEdge> edges = outcomes.SelectMany(o => o.Chain).Distinct().ToImmutableArray();
        return PatternCatalogue.UnexplainedWait.Finding(
            outcomes.Select(o => o.Waiter.Pid).Prepend(pid).Distinct().ToImmutableArray(),
            snapshot.FindProcess(first.At.Pid)?.Threads.FirstOrDefault(t => t.Tid == first.At.Tid)?.Syscall?.Object,
            new UnexplainedWaitFacts(d.Process(pid), first.Summary,
                outcomes.Select(o => o.Waiter).Where(w => w.Pid == pid).Select(w => ThreadLine(snapshot, w, d)).Distinct().ToImmutableArray(),
                outcomes.Where(o => o.Waiter.Pid != pid).Select(o => d.Process(o.Waiter.Pid)).Distinct().ToImmutableArray())) with
        {
            Waits = edges,
            Certainty = edges.Any(e => e.Certainty == Certainty.Inferred) ? Certainty.Inferred : Certainty.Observed,
        };
    }

    /// <summary>"thread 3305 dn: futex (wchan futex_do_wait)", or a runtime view's waiter (a goroutine, a flow) with its wait.</summary>
    private static string ThreadLine(Snapshot snapshot, WaitEnd w, Describe d)
    {
        if (RuntimeRegistry.WaitLine(d, w) is string viewed)
        {
            return viewed;
        }
        ProcessInfo? p = snapshot.FindProcess(w.Pid);
        ThreadInfo? t = p?.Threads.FirstOrDefault(x => x.Tid == w.Tid);
        if (t is null)
        {
            return $"thread {w.Tid}";
        }
        string call = t.Syscall is { } s ? $"{s.Name ?? "syscall " + s.Number.ToString(CultureInfo.InvariantCulture)}{(s.Fd is int fd ? $"({fd.ToString(CultureInfo.InvariantCulture)}{(s.Object is string o ? " " + o : "")})" : "")}" : $"no syscall (state {t.State})";
        return $"thread {t.Tid.ToString(CultureInfo.InvariantCulture)} {t.Name}: {call}{(t.Wchan is string wc ? $" (wchan {wc})" : "")}";
    }
}
