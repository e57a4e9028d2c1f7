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

    /// <summary>The procfs root: <c>/proc</c>, or a recorded fixture tree.</summary>
    public string ProcRoot { get; init; } = "/proc";
}
