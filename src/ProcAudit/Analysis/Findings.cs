using System.Collections.Immutable;

namespace ProcAudit.Analysis;

/// <summary>What the audit concludes about the tree as a whole.</summary>
public enum Verdict
{
    /// <summary>Something in the tree moved between the samples (or is on a CPU now).</summary>
    Running,

    /// <summary>Blocked, with no wait cycle: e.g. a reader that never reads, or a write end nobody will close.</summary>
    Stalled,

    /// <summary>A wait cycle: nothing in it can ever move.</summary>
    Deadlock,

    /// <summary>The root had exited (or is a zombie).</summary>
    Exited,

    /// <summary>Nothing moved, and every wait ends in a timer or the world outside the tree (a connection, a terminal, a signal): waiting, not hung.</summary>
    Idle,

    /// <summary>Nothing moved, and some wait leads somewhere ProcAudit cannot explain: listed in an <c>unexplained-wait</c> finding.</summary>
    Blocked,
}

/// <summary>A wait cycle, named and explained.</summary>
/// <param name="Pattern">A stable name: <c>pipe-order-inversion</c>, <c>wait-before-drain</c>, <c>wait-cycle</c>.</param>
/// <param name="Members">The processes (and threads) in the cycle.</param>
/// <param name="Waits">The edges of the cycle, in order.</param>
/// <param name="Summary">One plain sentence naming processes, fds, pipes and fill levels.</param>
/// <param name="Hint">How to fix it.</param>
public sealed record Cycle(string Pattern, ImmutableArray<WaitEnd> Members, ImmutableArray<WaitEdge> Waits, string Summary, string Hint);

/// <summary>A problem that is not a cycle.</summary>
/// <param name="Kind">A stable name: <c>leaked-write-end</c>, <c>reader-not-reading</c>.</param>
/// <param name="Pids">The processes involved, the one to look at first.</param>
/// <param name="Object">The object it concerns.</param>
/// <param name="Summary">One plain sentence.</param>
/// <param name="Hint">How to fix it.</param>
public sealed record Finding(string Kind, ImmutableArray<int> Pids, string? Object, string Summary, string Hint)
{
    /// <summary>Observed when every wait the finding rests on was seen; inferred when one was deduced (its summary says from what).</summary>
    public Certainty Certainty { get; init; }

    /// <summary>The wait-for edges the finding rests on, in the order its sentence tells them (what <c>run</c> and <c>watch</c> check has held still).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ImmutableArray<WaitEdge> Waits { get; init; } = ImmutableArray<WaitEdge>.Empty;

    /// <summary>In a report: <see cref="Waits"/> as indices into the report's <c>waits</c>.</summary>
    public ImmutableArray<int> Chain { get; init; } = ImmutableArray<int>.Empty;
}

/// <summary>The analysis of one snapshot.</summary>
public sealed record AnalysisResult
{
    /// <summary>The verdict.</summary>
    public required Verdict Verdict { get; init; }

    /// <summary>Every standing edge of the wait-for graph (edges whose waiter moved are left out).</summary>
    public ImmutableArray<WaitEdge> Waits { get; init; } = ImmutableArray<WaitEdge>.Empty;

    /// <summary>Every wait cycle.</summary>
    public ImmutableArray<Cycle> Cycles { get; init; } = ImmutableArray<Cycle>.Empty;

    /// <summary>Problems that are not cycles.</summary>
    public ImmutableArray<Finding> Findings { get; init; } = ImmutableArray<Finding>.Empty;

    /// <summary>Every waiting thread and goroutine of the tree, its wait followed to where it ends.</summary>
    public ImmutableArray<WaitOutcome> Ends { get; init; } = ImmutableArray<WaitOutcome>.Empty;

    /// <summary>Ids of pipes judged full: no room for the blocked writer, or queued equals capacity.</summary>
    public ImmutableHashSet<string> FullPipes { get; init; } = ImmutableHashSet<string>.Empty;
}
