using System.Collections.Immutable;

namespace ProcAudit;

/// <summary>
/// An eventfd counter (eventfd(2)) held by the captured processes: a read blocks while its count is
/// 0, until a holder writes to it. Numbered by the kernel (<c>eventfd-id</c> in fdinfo, Linux 6.0
/// and later), which is how two processes' descriptors are known to be the same counter.
/// </summary>
public sealed record EventfdInfo
{
    /// <summary><c>eventfd:[ID]</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The counter's value when it was read.</summary>
    public required ulong Count { get; init; }

    /// <summary>True for EFD_SEMAPHORE: a read takes 1 instead of the whole count.</summary>
    public bool Semaphore { get; init; }

    /// <summary>The captured processes' descriptors on it (role <c>both</c>: any holder may read or write).</summary>
    public ImmutableArray<Holder> Holders { get; init => field = value.OrEmpty(); } = ImmutableArray<Holder>.Empty;
}
