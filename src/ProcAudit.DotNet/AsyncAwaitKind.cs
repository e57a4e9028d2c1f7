namespace ProcAudit.DotNet;

/// <summary>What the innermost frame of an async flow waits for.</summary>
public enum AsyncAwaitKind
{
    /// <summary>Nothing could be told: the awaiter was empty or of a type this reader does not know.</summary>
    Unknown,

    /// <summary>The innermost frame is not suspended at an await (state -1): it runs, or is queued to run.</summary>
    Running,

    /// <summary><c>SemaphoreSlim.WaitAsync</c>: the flow is queued on the semaphore.</summary>
    Semaphore,

    /// <summary>A promise task only its source can complete: a <c>TaskCompletionSource</c>'s task.</summary>
    Promise,

    /// <summary>A bounded <c>Channel&lt;T&gt;</c> write waiting for room.</summary>
    ChannelWrite,

    /// <summary>A <c>Channel&lt;T&gt;</c> read (or <c>WaitToReadAsync</c>) waiting for an item.</summary>
    ChannelRead,

    /// <summary>Socket I/O (accept, connect, send, receive); <see cref="AsyncAwait.Fd"/> names the socket.</summary>
    Socket,

    /// <summary><c>Task.Delay</c>: a timer will complete it, so the flow is waiting for time, not stuck.</summary>
    Delay,

    /// <summary><c>Task.WhenAll</c> of <see cref="AsyncAwait.Children"/>.</summary>
    WhenAll,

    /// <summary><c>Task.WhenAny</c> of <see cref="AsyncAwait.Children"/>.</summary>
    WhenAny,

    /// <summary>
    /// Its continuation is queued on the thread pool (the box itself sits in the pool's queue): what it awaited is
    /// done, and it waits for a pool thread to run the rest.
    /// </summary>
    ThreadPool,

    /// <summary>
    /// Its continuation was posted to a SynchronizationContext (found in the context's own queue): what it awaited is
    /// done, and it waits for the context's thread to run the rest (<see cref="AsyncAwait.ContextAddress"/>).
    /// </summary>
    SyncContext,

    /// <summary>Another pending task or value-task source; <see cref="AsyncAwait.TypeName"/> says which.</summary>
    Other,
}
