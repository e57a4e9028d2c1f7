using System.Collections.Immutable;

namespace ProcAudit;

/// <summary>
/// What a Python thread waits for or holds at the Python level, as the Python view read it from the interpreter's
/// memory: the threading lock or the GIL it sleeps on in futex, and the waited-for locks it is inside a
/// <c>with</c> block of.
/// </summary>
public sealed record PythonWaitInfo
{
    /// <summary>The threading lock the thread sleeps on (its futex is the lock's semaphore); null when none.</summary>
    public PythonLockInfo? Lock { get; init; }

    /// <summary>True when the thread sleeps on the GIL's condition variable: it waits to take the GIL.</summary>
    public bool Gil { get; init; }

    /// <summary>Locks some thread waits for whose <c>with</c> block this thread is inside (the lock's __exit__ is on a live slot of that frame's value stack).</summary>
    public ImmutableArray<PythonHeldLock> Holds { get; init => field = value.OrEmpty(); } = ImmutableArray<PythonHeldLock>.Empty;
}

/// <summary>A <c>threading.Lock</c> or <c>threading.RLock</c> as the interpreter records it.</summary>
/// <param name="Object">The lock, <c>pylock:PID:0xADDR</c> (ADDR is the object's id()).</param>
/// <param name="Kind"><c>threading.Lock</c> or <c>threading.RLock</c>.</param>
/// <param name="OwnerTid">An RLock's owner as it records it (rlock_owner, mapped to the kernel thread); null for a Lock, which records none.</param>
/// <param name="Count">An RLock's recursion count; null for a Lock.</param>
public sealed record PythonLockInfo(string Object, string Kind, int? OwnerTid, long? Count);

/// <summary>A waited-for lock whose <c>with</c> block a thread is inside.</summary>
/// <param name="Object">The lock, <c>pylock:PID:0xADDR</c>.</param>
/// <param name="Kind"><c>threading.Lock</c> or <c>threading.RLock</c>.</param>
/// <param name="With">The frame whose <c>with</c> statement took it (function, file, line).</param>
public sealed record PythonHeldLock(string Object, string Kind, StackFrame? With);
