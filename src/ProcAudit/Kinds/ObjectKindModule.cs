using ProcAudit.Analysis;
using ProcAudit.Reporting;

namespace ProcAudit.Kinds;

/// <summary>
/// A kind of object the report lists in <c>objects[]</c>: which of its objects
/// matter, and its row in the text and Markdown reports and its label in the wait picture. Every
/// <see cref="ObjectKind"/> has exactly one (<see cref="KindRegistry.ForObject"/>).
/// </summary>
internal abstract class ObjectKindModule
{
    /// <summary>The object kinds this module reports.</summary>
    public abstract IReadOnlyList<ObjectKind> ObjectKinds { get; }

    /// <summary>The heading of its block in the text report ("Pipes").</summary>
    public abstract string Section { get; }

    /// <summary>Edges that come from the objects themselves rather than from one thread's call (a lock's queue).</summary>
    public virtual IEnumerable<WaitEdge> Edges(KindScope scope) => Array.Empty<WaitEdge>();

    /// <summary>Its objects that matter to this analysis, as the report lists them.</summary>
    public abstract IEnumerable<ReportObject> Objects(Snapshot snapshot, AnalysisResult analysis);

    /// <summary>One object in one line: its id, its state and who holds it (names from <paramref name="report"/>, not yet made safe).</summary>
    public abstract string Row(ReportObject o, Report report);

    /// <summary>The object's label in the wait picture.</summary>
    public abstract string Label(ReportObject o);

    /// <summary>
    /// How an edge with one of this kind's reasons reads: in a sentence ("reads empty X written by")
    /// and on the picture's arrow from the object ("written by"); null for other reasons.
    /// </summary>
    public virtual EdgeWords? Words(WaitEdge e) => null;

    /// <summary>
    /// How a wait with one of this kind's reasons reads when the awaited process is stopped, the waiter its
    /// subject and the stopped process "it" ("reads stdout (fd 3, pipe:[7], empty) from it"); null for other reasons.
    /// </summary>
    public virtual string? OnStopped(WaitEdge e, Describe d) => null;
}
