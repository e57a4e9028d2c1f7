namespace ProcAudit.Analysis;

/// <summary>
/// Where a wait leads when it is followed to its end, in the order that decides a verdict: a
/// wait that can end is weaker than one that cannot.
/// </summary>
public enum WaitEndKind
{
    /// <summary>Something along the way moved between the samples: the wait may end.</summary>
    Moved,

    /// <summary>The wait is part of (or leads into) a wait cycle.</summary>
    Cycle,

    /// <summary>It leads to a stopped process (SIGSTOP, job control, a tracer): nothing moves until it is resumed.</summary>
    Stopped,

    /// <summary>It leads somewhere ProcAudit cannot follow (an unknown syscall, a process that waits only on itself, one it could not look into).</summary>
    Unexplained,

    /// <summary>It waits for the world outside the tree: a connection, a terminal, a remote peer, a signal, a file change.</summary>
    Outside,

    /// <summary>It ends by itself: a sleep or a time limit.</summary>
    Timer,

    /// <summary>A thread waiting on another thread of its own process (a futex, its own wake-up pipe); resolved through that process's other waits.</summary>
    Internal,
}

/// <summary>One waiting thread (or goroutine) of the tree, its wait followed to where it ends.</summary>
/// <param name="Waiter">The waiting thread or goroutine.</param>
/// <param name="End">Where the wait leads.</param>
/// <param name="Summary">What it ends in, in words, e.g. "sleeps 600 s (593 s left)" or "waits for a connection on 127.0.0.1:8080".</param>
/// <param name="At">The thread, goroutine or process the chain ends at (the waiter itself when it waits on nothing else).</param>
/// <param name="Chain">The wait-for edges followed from the waiter to <paramref name="At"/>, in order.</param>
public sealed record WaitOutcome(WaitEnd Waiter, WaitEndKind End, string Summary, WaitEnd At, System.Collections.Immutable.ImmutableArray<WaitEdge> Chain);
