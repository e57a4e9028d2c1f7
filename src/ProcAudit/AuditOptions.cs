namespace ProcAudit;

/// <summary>How an audit looks at the tree.</summary>
public sealed record AuditOptions
{
    /// <summary>
    /// Time between the two samples that tell a stuck thread from a busy one; zero takes a single
    /// sample (every blocked thread then counts as stuck).
    /// </summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// A child subreaper whose other children count as part of the audited tree: descendants that
    /// escaped the root (double fork, daemons) and were reparented to it. Used by <c>procaudit run</c>.
    /// </summary>
    public int? Adopter { get; init; }

    /// <summary>
    /// The whole audit's time limit: past it, processes not yet captured are skipped and a note
    /// says which. The audit of a machine in trouble must end.
    /// </summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Limit for one read that can block in the kernel (cmdline, maps).</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Redact secrets in command lines (default); <c>--no-redact</c> turns it off.</summary>
    public bool Redact { get; init; } = true;

    /// <summary>Runtime views to add to processes of the tree (e.g. the .NET one from ProcAudit.DotNet); none by default.</summary>
    public IReadOnlyList<Enrichment.IRuntimeEnricher> Enrichers { get; init; } = Array.Empty<Enrichment.IRuntimeEnricher>();

    /// <summary>Time each enricher may spend on one process.</summary>
    public TimeSpan EnricherBudget { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The procfs root: <c>/proc</c>, or a recorded fixture tree.</summary>
    public string ProcRoot { get; init; } = "/proc";
}
