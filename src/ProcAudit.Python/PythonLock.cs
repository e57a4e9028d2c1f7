namespace ProcAudit.Python;

/// <summary>
/// A <c>threading.Lock</c> or <c>threading.RLock</c> (C <c>_thread.lock</c>, <c>_thread.RLock</c>) as the
/// interpreter records it in the object: the semaphore a waiter sleeps on, and for an RLock its owner.
/// </summary>
/// <param name="Address">The lock object's address (its <c>id()</c>).</param>
/// <param name="Kind">Lock or RLock.</param>
/// <param name="Semaphore">lock_lock: the address of the semaphore whose futex a waiting thread sleeps on.</param>
/// <param name="Locked">A Lock's own <c>locked</c> flag (null for an RLock, which has none: its count says it).</param>
/// <param name="OwnerIdent">An RLock's rlock_owner (a <c>threading.get_ident()</c>); null for a Lock, which records no owner, or an RLock nobody owns.</param>
/// <param name="OwnerTid">The kernel TID of the thread whose ident is <see cref="OwnerIdent"/>, when it is one of the threads read.</param>
/// <param name="Count">An RLock's rlock_count (how many times its owner took it); null for a Lock.</param>
public sealed record PythonLock(ulong Address, PythonLockKind Kind, ulong Semaphore, bool? Locked, ulong? OwnerIdent, int? OwnerTid, long? Count);

/// <summary>The two lock types of the threading module.</summary>
public enum PythonLockKind
{
    /// <summary><c>threading.Lock</c> (<c>_thread.lock</c>): records no owner.</summary>
    Lock,

    /// <summary><c>threading.RLock</c> (<c>_thread.RLock</c>): records its owner's thread ident and a count.</summary>
    RLock,
}

/// <summary>A lock a thread is inside a <c>with</c> block of: the lock's <c>__exit__</c> is on a live slot of that frame's value stack.</summary>
/// <param name="Lock">The lock.</param>
/// <param name="Frame">The index, in the thread's frames (innermost first), of the frame whose <c>with</c> it is.</param>
public sealed record PythonLockHold(PythonLock Lock, int Frame);
