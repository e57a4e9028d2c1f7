using System.Collections.Immutable;

namespace ProcAudit.Analysis.Patterns;

/// <summary>What a pattern is reported as: a wait cycle (<see cref="Cycle.Pattern"/>) or a finding (<see cref="Finding.Kind"/>).</summary>
internal enum PatternFamily
{
    /// <summary>A wait cycle: nothing in it can ever move (verdict <c>deadlock</c>).</summary>
    Cycle,

    /// <summary>A problem that is not a cycle (verdict <c>stalled</c>, or <c>blocked</c> for <c>unexplained-wait</c>).</summary>
    Finding,
}

/// <summary>
/// One entry of the <see cref="PatternCatalogue"/>: the stable name a report gives it, a short title, and (in the
/// typed subclasses) its sentence and its fix as functions of the facts the finders gather.
/// </summary>
internal abstract class Pattern
{
    private protected Pattern(string name, string title)
    {
        Name = name;
        Title = title;
    }

    /// <summary>The name as reported (<c>pipe-order-inversion</c>): stable, kebab-case, what consumers match on.</summary>
    public string Name { get; }

    /// <summary>A short title for a person ("pipes drained in the wrong order").</summary>
    public string Title { get; }

    /// <summary>A cycle or a finding.</summary>
    public abstract PatternFamily Family { get; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>The small pieces of wording every pattern's sentence shares.</summary>
internal static class Clause
{
    /// <summary>" (one edge is inferred: EVIDENCE)" for a cycle resting on a deduced edge; "" when every edge was seen.</summary>
    public static string OneEdgeInferred(string? evidence) => evidence is null ? "" : $" (one edge is inferred: {evidence})";

    /// <summary>" (inferred: EVIDENCE)" for a finding resting on a deduced wait; "" when it was seen.</summary>
    public static string InferredFrom(string? evidence) => evidence is null ? "" : $" (inferred: {evidence})";

    /// <summary>"fd 3, " when the wait's fd is known; "".</summary>
    public static string FdComma(int? fd) => fd is int n ? $"fd {n}, " : "";

    /// <summary>"s" unless exactly one: "1 thread", "2 threads".</summary>
    public static string Plural(int n) => n == 1 ? "" : "s";

    /// <summary>"s" when exactly one, for the verb: "1 thread waits", "2 threads wait".</summary>
    public static string Singular(int n) => n == 1 ? "s" : "";
}

/// <summary>A pattern whose sentence and fix are functions of the facts <typeparamref name="TFacts"/> a finder gathers.</summary>
internal abstract class Pattern<TFacts> : Pattern
{
    private readonly Func<TFacts, string> _summary;
    private readonly Func<TFacts, string> _fix;

    private protected Pattern(string name, string title, Func<TFacts, string> summary, Func<TFacts, string> fix)
        : base(name, title)
    {
        _summary = summary;
        _fix = fix;
    }

    /// <summary>The one sentence a person can act on.</summary>
    public string Summary(TFacts facts) => _summary(facts);

    /// <summary>How to fix it.</summary>
    public string Fix(TFacts facts) => _fix(facts);
}

/// <summary>A wait-cycle pattern.</summary>
internal sealed class CyclePattern<TFacts> : Pattern<TFacts>
{
    public CyclePattern(string name, string title, Func<TFacts, string> summary, Func<TFacts, string> fix)
        : base(name, title, summary, fix)
    {
    }

    /// <inheritdoc/>
    public override PatternFamily Family => PatternFamily.Cycle;

    /// <summary>The named cycle: its members are the waiters of <paramref name="waits"/>, in order.</summary>
    public Cycle Cycle(ImmutableArray<WaitEdge> waits, TFacts facts) =>
        new(Name, waits.Select(e => e.From).ToImmutableArray(), waits, Summary(facts), Fix(facts));
}

/// <summary>A finding pattern.</summary>
internal sealed class FindingPattern<TFacts> : Pattern<TFacts>
{
    public FindingPattern(string name, string title, Func<TFacts, string> summary, Func<TFacts, string> fix)
        : base(name, title, summary, fix)
    {
    }

    /// <inheritdoc/>
    public override PatternFamily Family => PatternFamily.Finding;

    /// <summary>The finding, about <paramref name="obj"/>; <paramref name="pids"/> start with the one to look at first.</summary>
    public Finding Finding(ImmutableArray<int> pids, string? obj, TFacts facts) => new(Name, pids, obj, Summary(facts), Fix(facts));
}
