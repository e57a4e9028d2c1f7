namespace ProcAudit.DotNet;

/// <summary>Where the runtime keeps the state of a held lock.</summary>
public enum MonitorLockKind
{
    /// <summary>An inflated lock in a sync block: every contended monitor is one, so every lock with waiters.</summary>
    SyncBlock,

    /// <summary>
    /// A thin lock in the object header: held and never contended. Found only for objects some thread's stack
    /// refers to; a thin lock reachable only from the heap is not listed.
    /// </summary>
    ThinLock,

    /// <summary>
    /// A <c>System.Threading.Lock</c> (.NET 9 and later; <c>lock (x)</c> on one does not use a monitor). Its owner is
    /// in its own fields; found when a thread's stack refers to it, which the owner's and every waiter's does.
    /// </summary>
    ThreadingLock,
}
