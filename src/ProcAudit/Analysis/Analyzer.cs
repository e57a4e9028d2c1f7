using System.Collections.Immutable;
using ProcAudit.Kinds;

namespace ProcAudit.Analysis;

/// <summary>From a snapshot to a verdict: the wait-for graph, its cycles and the stalls that are not cycles. Never touches /proc.</summary>
public static class Analyzer
{
    /// <summary>Analyses one snapshot.</summary>
    public static AnalysisResult Analyze(Snapshot snapshot)
    {
        // One lookup of the snapshot's objects for the edges and for where the waits end.
        KindScope scope = new(snapshot);
        ImmutableArray<WaitEdge> edges = WaitGraphBuilder.Build(scope);
        ImmutableHashSet<string> full = FullPipes(snapshot, edges);
        Describe describe = new(snapshot);
        // Where each wait ends does not depend on the cycles and stalls: followed beside them (a machine-wide
        // scan's largest tree spends a third of its analysis on each).
        ImmutableArray<WaitOutcome> ends = default;
        ImmutableArray<Cycle> cycles = default;
        List<Finding> findings = null!;
        try
        {
            Parallel.Invoke(
                () => ends = WaitEndFinder.Find(scope, edges, describe),
                () =>
                {
                    cycles = CycleFinder.Find(edges).Select(path => CycleNamer.Name(path, describe, full)).ToImmutableArray();
                    ILookup<string?, WaitEdge> byObject = edges.ToLookup(e => e.Object);
                    findings = StallFinder.Find(snapshot, edges, cycles, describe).Select(f => WithWaits(f, byObject)).ToList();
                });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        foreach (Finding f in EndFindings.Find(snapshot, ends, describe))
        {
            if (!findings.Any(known => known.Kind == f.Kind && known.Object == f.Object && known.Pids.SequenceEqual(f.Pids)))
            {
                findings.Add(f);
            }
        }
        Verdict verdict = Decide(snapshot, cycles, findings, ends);
        // A tree that moved has no unexplained wait to report: something may yet wake it. In a tree where nothing
        // moved, one in a process that no cycle or stall names is reported beside them (a second program hung for
        // its own reason); in a process they name, the cycle or stall is its story.
        if (verdict is Verdict.Running or Verdict.Idle || ends.Any(e => e.End == WaitEndKind.Moved))
        {
            findings.RemoveAll(f => f.Kind == EndFindings.Unexplained);
        }
        else if (verdict != Verdict.Blocked)
        {
            HashSet<int> named = cycles.SelectMany(c => c.Members.Select(m => m.Pid))
                .Concat(findings.Where(f => f.Kind != EndFindings.Unexplained).SelectMany(f => f.Pids))
                .ToHashSet();
            findings.RemoveAll(f => f.Kind == EndFindings.Unexplained && f.Pids.All(named.Contains));
        }
        return new AnalysisResult { Verdict = verdict, Waits = edges, Cycles = cycles, Findings = findings.ToImmutableArray(), FullPipes = full, Ends = ends };
    }

    /// <summary>
    /// The verdict comes from where the waits lead: a cycle, a stall, an exited root, then any
    /// movement; with nothing moving, a wait ProcAudit cannot explain makes the tree blocked, and
    /// only when every wait ends in a timer or the outside world is it idle. Never running when
    /// nothing ran.
    /// </summary>
    private static Verdict Decide(Snapshot snapshot, ImmutableArray<Cycle> cycles, List<Finding> findings, ImmutableArray<WaitOutcome> ends)
    {
        if (cycles.Length > 0)
        {
            return Verdict.Deadlock;
        }
        if (findings.Any(f => f.Kind != EndFindings.Unexplained))
        {
            return Verdict.Stalled;
        }
        // An exited root ends the story unless something it left behind is still stuck.
        if (snapshot.RootExited)
        {
            return Verdict.Exited;
        }
        if (ends.Any(e => e.End == WaitEndKind.Moved))
        {
            return Verdict.Running;
        }
        return ends.Any(e => e.End is WaitEndKind.Unexplained or WaitEndKind.Cycle or WaitEndKind.Stopped) ? Verdict.Blocked : Verdict.Idle;
    }

    /// <summary>The edges a finding rests on, when its pattern did not hand them over: every wait on its object.</summary>
    private static Finding WithWaits(Finding f, ILookup<string?, WaitEdge> byObject)
    {
        if (f.Waits.IsDefaultOrEmpty && f.Object is not null)
        {
            ImmutableArray<WaitEdge> on = byObject[f.Object].ToImmutableArray();
            f = f with { Waits = on, Certainty = on.Any(e => e.Certainty == Certainty.Inferred) ? Certainty.Inferred : Certainty.Observed };
        }
        // Every process on the chain is involved: a CI script asking "which processes" must get the peer too.
        return f with { Pids = f.Pids.Concat(f.Waits.SelectMany(e => new[] { e.From.Pid, e.To.Pid })).Distinct().ToImmutableArray() };
    }

    /// <summary>A pipe is full when a writer is blocked on it (even below capacity: the kernel keeps 16 page slots) or queued equals capacity.</summary>
    private static ImmutableHashSet<string> FullPipes(Snapshot snapshot, ImmutableArray<WaitEdge> edges)
    {
        HashSet<string> full = edges.Where(e => e.Reason == WaitReasons.WriteFullPipe && e.Object is not null).Select(e => e.Object!).ToHashSet();
        foreach (PipeInfo p in snapshot.Pipes)
        {
            if (p.QueuedBytes is long q && p.CapacityBytes is long c && q >= c)
            {
                full.Add(p.Id);
            }
        }
        return full.ToImmutableHashSet();
    }
}
