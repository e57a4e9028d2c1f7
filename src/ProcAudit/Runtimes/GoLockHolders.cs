using System.Globalization;
using static ProcAudit.Analysis.ObjectIds;

namespace ProcAudit.Runtimes;

/// <summary>
/// Who holds a Go lock. The runtime records no owner for sync.Mutex or RWMutex, so this is always an inference:
/// first from a pending deferred call that captured the lock (a <c>defer mu.Unlock()</c> registered and not yet
/// run), else from the one goroutine outside the waiters that holds the lock live, when there is exactly one.
/// </summary>
internal static class GoLockHolders
{
    public static IEnumerable<(long Goroutine, string Evidence)> Of(GoLockInfo l)
    {
        if (!l.Locked)
        {
            yield break;
        }
        List<GoReferenceInfo> defers = l.PendingUnlocks.Where(r => !l.Waiters.Contains(r.Goroutine)).DistinctBy(r => r.Goroutine).ToList();
        if (defers.Count > 0)
        {
            foreach (GoReferenceInfo r in defers)
            {
                yield return (r.Goroutine, $"goroutine {r.Goroutine} has a pending deferred {r.Detail ?? "call"} on it in {r.Function} ({Path.GetFileName(r.File)}:{r.Line})");
            }
            yield break;
        }
        List<GoReferenceInfo> live = l.References.Where(r => !l.Waiters.Contains(r.Goroutine)).DistinctBy(r => r.Goroutine).ToList();
        if (live.Count == 1)
        {
            GoReferenceInfo r = live[0];
            yield return (r.Goroutine, $"goroutine {r.Goroutine} is the only other goroutine holding it in a live variable, in {r.Function} ({Path.GetFileName(r.File)}:{r.Line})");
        }
    }

    /// <summary>"sync.Mutex main.mu (0x4f6f40)" for a named global, else "sync.RWMutex 0xc0000926f0".</summary>
    public static string Name(GoLockInfo l) => l.Symbol is null ? $"{l.Type} {Address(l.Id)}" : $"{l.Type} {l.Symbol} ({Address(l.Id)})";

    /// <summary>"1 reader inside, a writer waiting", "locked".</summary>
    public static string State(GoLockInfo l)
    {
        if (l.Type != "sync.RWMutex")
        {
            return l.Locked ? "locked" : "unlocked";
        }
        string readers = $"{l.Readers.ToString(CultureInfo.InvariantCulture)} reader{(l.Readers == 1 ? "" : "s")} inside";
        return l.WriterWaiting ? $"{readers}, a writer waiting" : l.Locked ? (l.Readers > 0 ? readers : "write-locked") : "unlocked";
    }
}
