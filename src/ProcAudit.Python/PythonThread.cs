using System.Collections.Immutable;

namespace ProcAudit.Python;

/// <summary>One Python thread state of the process, with its stack.</summary>
/// <param name="NativeThreadId">
/// The kernel thread id (the TID of /proc/PID/task/TID); null when it could not be read (before 3.11 it comes
/// from glibc's struct pthread, which musl and old glibc do not describe).
/// </param>
/// <param name="PthreadId">The thread's pthread_t (<c>threading.get_ident()</c>), as the interpreter records it.</param>
/// <param name="HoldsGil">
/// True for the thread that held the GIL when the read began (the GIL is read once per interpreter, before its
/// threads), false for the others, null when the GIL could not be read. A released GIL (every thread blocked)
/// gives false for all threads, not the last holder. A thread that holds it runs Python code or a C call that kept
/// it: its stack may change while it is read.
/// </param>
/// <param name="Frames">The Python frames, innermost first; empty for a thread that runs no Python code.</param>
/// <param name="Note">Why the stack is missing, cut or unreliable, when it is.</param>
public sealed record PythonThread(int? NativeThreadId, ulong PthreadId, bool? HoldsGil, ImmutableArray<PythonFrame> Frames, string? Note)
{
    /// <summary>
    /// The threading lock the thread sleeps on: its futex is the lock's semaphore, and the lock (or its bound
    /// method) is in a slot of one of the thread's two innermost frames. Null when it waits for none (or the lock
    /// was not found there).
    /// </summary>
    public PythonLock? WaitsForLock { get; init; }

    /// <summary>
    /// The locks some thread waits for whose <c>with</c> block this thread is inside (<see cref="PythonLockHold"/>);
    /// only locks that are waited for are looked for.
    /// </summary>
    public ImmutableArray<PythonLockHold> HeldLocks { get; init; } = ImmutableArray<PythonLockHold>.Empty;

    /// <summary>The thread sleeps on the GIL's condition variable: it waits to take the GIL.</summary>
    public bool WaitsForGil { get; init; }
}
