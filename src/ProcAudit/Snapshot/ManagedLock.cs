using System.Collections.Immutable;

namespace ProcAudit;

/// <summary>A lock of a managed runtime (a .NET Monitor, thin lock or System.Threading.Lock) with its owner and waiters, as the runtime reported them.</summary>
public sealed record ManagedLock
{
    /// <summary>The lock object, <c>monitor:PID:0xADDR</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The locked object's type, e.g. <c>System.Collections.Generic.List&lt;System.String&gt;</c>.</summary>
    public string? Type { get; init; }

    /// <summary><c>SyncBlock</c>, <c>ThinLock</c> or <c>ThreadingLock</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The OS thread id of the owner.</summary>
    public int? OwnerTid { get; init; }

    /// <summary>OS thread ids of the threads waiting to enter it.</summary>
    public ImmutableArray<int> WaiterTids { get; init => field = value.OrEmpty(); } = ImmutableArray<int>.Empty;
}
