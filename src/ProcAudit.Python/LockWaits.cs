using System.Collections.Immutable;

namespace ProcAudit.Python;

/// <summary>
/// Says which threading lock each thread sleeping in futex waits for (the lock whose semaphore is its futex), who an
/// RLock's recorded owner is, and which threads are inside a <c>with</c> block of a lock that is waited for.
/// </summary>
internal static class LockWaits
{
    /// <summary><paramref name="threads"/> with their lock waits and holds; <paramref name="sites"/> are each thread's frames in memory, in the same order.</summary>
    public static ImmutableArray<PythonThread> Annotate(
        ImmutableArray<PythonThread> threads,
        IReadOnlyList<List<FrameSite>> sites,
        IReadOnlyDictionary<int, ulong> futexWaits,
        LockReader locks)
    {
        if (futexWaits.Count == 0)
        {
            return threads;
        }

        Dictionary<ulong, int> tidOfIdent = threads.Where(t => t.NativeThreadId is not null).GroupBy(t => t.PthreadId).ToDictionary(g => g.Key, g => g.First().NativeThreadId!.Value);
        PythonThread[] annotated = threads.ToArray();
        for (int i = 0; i < annotated.Length; i++)
        {
            PythonThread thread = annotated[i];
            if (thread.WaitsForGil || thread.NativeThreadId is not int tid || !futexWaits.TryGetValue(tid, out ulong futex))
            {
                continue;
            }

            PythonLock? awaited = locks.Awaited(sites[i], futex);
            if (awaited?.OwnerIdent is ulong owner && tidOfIdent.TryGetValue(owner, out int ownerTid))
            {
                awaited = awaited with { OwnerTid = ownerTid };
            }

            annotated[i] = thread with { WaitsForLock = awaited };
        }

        HashSet<ulong> wanted = annotated.Where(t => t.WaitsForLock is not null).Select(t => t.WaitsForLock!.Address).ToHashSet();
        if (wanted.Count == 0)
        {
            return annotated.ToImmutableArray();
        }

        for (int i = 0; i < annotated.Length; i++)
        {
            ImmutableArray<PythonLockHold> held = locks.Held(sites[i], wanted).ToImmutableArray();
            if (held.Length > 0)
            {
                annotated[i] = annotated[i] with { HeldLocks = held };
            }
        }

        return annotated.ToImmutableArray();
    }
}
