using System.Collections.Immutable;
using ProcAudit.Analysis;

namespace ProcAudit.Runtimes;

/// <summary>What a runtime view's findings are drawn from.</summary>
/// <param name="Snapshot">The snapshot.</param>
/// <param name="Edges">Every standing edge.</param>
/// <param name="InCycles">The edges a cycle already tells.</param>
/// <param name="Describe">The words of the sentences.</param>
/// <param name="Told">Edges a chain finding has told: a view adds the ones its findings tell, so no later finding tells them again.</param>
internal sealed record ViewFindingScope(Snapshot Snapshot, ImmutableArray<WaitEdge> Edges, HashSet<WaitEdge> InCycles, Describe Describe, HashSet<WaitEdge> Told);
