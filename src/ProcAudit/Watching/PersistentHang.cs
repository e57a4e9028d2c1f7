using System.Collections.Immutable;
using ProcAudit.Analysis;

namespace ProcAudit.Watching;

/// <summary>
/// A wait cycle, or a stall with no cycle, resting on observed waits only, that has held with none
/// of its waiting threads moving and none of its objects' levels changing, for <see cref="HeldFor"/>.
/// </summary>
/// <param name="Pattern">The cycle's pattern or the finding's kind.</param>
/// <param name="Cycle">The cycle, when it is one.</param>
/// <param name="Finding">The finding, when it is a stall.</param>
/// <param name="HeldFor">How long it has held unchanged.</param>
/// <param name="Looks">How many looks saw it.</param>
public sealed record PersistentHang(string Pattern, Cycle? Cycle, Finding? Finding, TimeSpan HeldFor, int Looks)
{
    /// <summary>The waits it rests on.</summary>
    public ImmutableArray<WaitEdge> Waits => Cycle?.Waits ?? Finding?.Waits ?? ImmutableArray<WaitEdge>.Empty;
}
