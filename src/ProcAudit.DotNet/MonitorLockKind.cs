namespace ProcAudit.DotNet;

/// <summary>Where the runtime keeps the state of a held monitor.</summary>
public enum MonitorLockKind
{
    /// <summary>An inflated lock in a sync block: every contended monitor is one, so every lock with waiters.</summary>
    SyncBlock,

    /// <summary>
    /// A thin lock in the object header: held and never contended. Found only for objects some thread's stack
    /// refers to; a thin lock reachable only from the heap is not listed.
    /// </summary>
    ThinLock,
}
