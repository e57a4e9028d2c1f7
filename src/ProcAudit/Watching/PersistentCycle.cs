using ProcAudit.Analysis;

namespace ProcAudit.Watching;

/// <summary>A wait cycle of observed edges that has held, with none of its threads moving, for <see cref="HeldFor"/>.</summary>
/// <param name="Cycle">The cycle, as last seen.</param>
/// <param name="HeldFor">How long it has held unchanged.</param>
/// <param name="Looks">How many looks saw it.</param>
public sealed record PersistentCycle(Cycle Cycle, TimeSpan HeldFor, int Looks);
