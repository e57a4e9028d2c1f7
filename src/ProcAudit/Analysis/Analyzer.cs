using System.Collections.Immutable;

namespace ProcAudit.Analysis;

/// <summary>From a snapshot to a verdict: the wait-for graph, its cycles and the stalls that are not cycles. Never touches /proc.</summary>
public static class Analyzer
{
    /// <summary>Analyses one snapshot.</summary>
    public static AnalysisResult Analyze(Snapshot snapshot)
    {
        ImmutableArray<WaitEdge> edges = WaitGraphBuilder.Build(snapshot);
        ImmutableHashSet<string> full = FullPipes(snapshot, edges);
        Describe describe = new(snapshot);
        ImmutableArray<Cycle> cycles = CycleFinder.Find(edges).Select(path => CycleNamer.Name(path, describe, full)).ToImmutableArray();
        ImmutableArray<Finding> findings = StallFinder.Find(snapshot, edges, cycles, describe);
        // An exited root ends the story unless something it left behind is still stuck.
        Verdict verdict = cycles.Length > 0 ? Verdict.Deadlock
            : findings.Length > 0 ? Verdict.Stalled
            : snapshot.RootExited ? Verdict.Exited
            : Verdict.Running;
        return new AnalysisResult { Verdict = verdict, Waits = edges, Cycles = cycles, Findings = findings, FullPipes = full };
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
