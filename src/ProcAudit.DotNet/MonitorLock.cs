using System.Collections.Immutable;

namespace ProcAudit.DotNet;

/// <summary>A held lock behind <c>lock (x)</c> (a monitor, or a <c>System.Threading.Lock</c>), who holds it and who waits to enter it.</summary>
public sealed record MonitorLock
{
    /// <summary>Address of the locked object in the target's heap; stable while the target is stopped in a hang.</summary>
    public required ulong ObjectAddress { get; init; }

    /// <summary>The locked object's type, e.g. <c>System.Collections.Generic.List&lt;System.String&gt;</c>; null when its type could not be read.</summary>
    public string? TypeName { get; init; }

    /// <summary>Sync block (a contended monitor), thin lock (an uncontended one) or <c>System.Threading.Lock</c>.</summary>
    public required MonitorLockKind Kind { get; init; }

    /// <summary>The kernel's thread id of the owner; null when the owner is no longer a live thread (an orphaned lock) or unknown.</summary>
    public int? OwnerOsThreadId { get; init; }

    /// <summary>The runtime's managed thread id of the owner, when known.</summary>
    public int? OwnerManagedThreadId { get; init; }

    /// <summary>How many times the owner has entered it (1 for a single <c>lock</c>).</summary>
    public int RecursionCount { get; init; }

    /// <summary>The threads found blocked entering this lock, ordered by thread id.</summary>
    public ImmutableArray<MonitorWaiter> Waiters { get; init; } = ImmutableArray<MonitorWaiter>.Empty;
}
