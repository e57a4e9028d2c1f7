using System.Collections.Immutable;
using ProcAudit.Analysis;
using ProcAudit.Analysis.Patterns;

namespace ProcAudit.Runtimes;

/// <summary>Threads queue on a managed lock whose owner is itself blocked (on a full queue, I/O, another wait) while holding it: <c>lock-holder-blocked</c>.</summary>
internal static class ManagedLockHolderFinder
{
    public static IEnumerable<Finding> Find(ViewFindingScope scope)
    {
        foreach (ProcessInfo process in scope.Snapshot.Processes)
        {
            foreach (ManagedLock l in process.ManagedLocks)
            {
                if (HolderBlocked(process, l, scope.InCycles, scope.Describe) is Finding finding)
                {
                    yield return finding;
                }
            }
        }
    }

    private static Finding? HolderBlocked(ProcessInfo process, ManagedLock l, HashSet<WaitEdge> inCycles, Describe d)
    {
        if (l.OwnerTid is not int ownerTid || l.WaiterTids.IsDefaultOrEmpty
            || process.Threads.FirstOrDefault(t => t.Tid == ownerTid) is not ThreadInfo owner
            || owner.State == "R" || owner.Progress?.Moved == true
            || inCycles.Any(e => e.Object == l.Id))
        {
            return null;
        }
        // The first frame outside the threading primitives says what the owner is stuck in.
        string? where = owner.ManagedStack.FirstOrDefault(f => !f.StartsWith("System.Threading.", StringComparison.Ordinal));
        return PatternCatalogue.LockHolderBlocked.Finding(ImmutableArray.Create(process.Pid), l.Id, new LockHolderBlockedFacts.ThreadOwner(
            d.Process(process.Pid), l.WaiterTids.Select(t => d.Thread(new WaitEnd(process.Pid, t))).ToImmutableArray(), l.Type, d.Thread(new WaitEnd(process.Pid, ownerTid)), where));
    }
}
