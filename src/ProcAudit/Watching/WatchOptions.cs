namespace ProcAudit.Watching;

/// <summary>How a tree is watched.</summary>
public sealed record WatchOptions
{
    /// <summary>Time between two cheap looks at the tree (default 2 s: well under 1% of a core for 50 processes).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long the same cycle of observed waits must hold, with none of its threads moving, before
    /// it counts as a deadlock; zero never stops early.
    /// </summary>
    public TimeSpan DeadlockAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A child subreaper whose other children belong to the tree (see <see cref="AuditOptions.Adopter"/>).</summary>
    public int? Adopter { get; init; }
}
