namespace ProcAudit.Analysis;

/// <summary>How sure an edge of the wait-for graph is.</summary>
public enum Certainty
{
    /// <summary>A thread is blocked in a syscall on exactly this object, or a runtime reported the owner.</summary>
    Observed,

    /// <summary>Deduced: e.g. a runtime parked in epoll or futex that holds the only reader of a full pipe.</summary>
    Inferred,
}

/// <summary>One end of a wait: a process, and the thread or goroutine when it is known.</summary>
/// <param name="Pid">Process id.</param>
/// <param name="Tid">Thread id, when one thread is known to be the one waiting.</param>
/// <param name="Goroutine">Goroutine id, for a Go process whose goroutines were read.</param>
/// <param name="Flow">An async flow's id (<c>flow:PID:0xADDR</c>), for a .NET process whose heap was read.</param>
public sealed record WaitEnd(int Pid, int? Tid = null, long? Goroutine = null, string? Flow = null);

/// <summary>An edge of the wait-for graph: <see cref="From"/> cannot move until <see cref="To"/> does something.</summary>
/// <param name="From">Who waits.</param>
/// <param name="To">Who it waits for.</param>
/// <param name="Object">The object waited on (an id from the report's objects), if any.</param>
/// <param name="Reason">A stable reason name: <c>read-empty-pipe</c>, <c>write-full-pipe</c>, <c>wait-child-exit</c>, ...</param>
/// <param name="Certainty">Observed or inferred.</param>
/// <param name="Evidence">In words: what was seen that makes this edge (the syscall, the fd, the epoll watch).</param>
/// <param name="Fd">The waiter's fd on <see cref="Object"/>, if any.</param>
public sealed record WaitEdge(WaitEnd From, WaitEnd To, string? Object, string Reason, Certainty Certainty, string Evidence, int? Fd = null);

/// <summary>The stable reason names of wait edges.</summary>
public static class WaitReasons
{
    /// <summary>Blocked reading a pipe that has nothing queued: waits for a writer.</summary>
    public const string ReadEmptyPipe = "read-empty-pipe";

    /// <summary>Blocked writing a pipe with no room: waits for a reader.</summary>
    public const string WriteFullPipe = "write-full-pipe";

    /// <summary>Blocked in wait4/waitid: waits for a child to exit.</summary>
    public const string WaitChildExit = "wait-child-exit";

    /// <summary>Waiting to enter a managed lock (a .NET Monitor or Lock) that the runtime reports another thread owns.</summary>
    public const string ManagedLock = "managed-lock";

    /// <summary>Blocked on a mutex (futex) that another thread of the process owns.</summary>
    public const string FutexOwner = "futex-owner";

    /// <summary>Blocked in pthread_join on another thread of the process.</summary>
    public const string ThreadJoin = "thread-join";

    /// <summary>Blocked taking a file lock (flock, POSIX, OFD) that another process holds, or queued behind another waiter.</summary>
    public const string LockHeld = "lock-held";

    /// <summary>Blocked in connect() to a listener on this machine that does not accept (its backlog is full).</summary>
    public const string ConnectBacklogFull = "connect-backlog-full";

    /// <summary>Blocked receiving on a socket with nothing queued: waits for the peer to send.</summary>
    public const string RecvEmptySocket = "recv-empty-socket";

    /// <summary>Blocked sending on a socket whose buffers are full: waits for the peer to read.</summary>
    public const string SendFullSocket = "send-full-socket";

    /// <summary>A goroutine parked sending on a full (or unbuffered) channel: waits for a receiver.</summary>
    public const string GoChanSend = "go-chan-send";

    /// <summary>A goroutine parked receiving on an empty channel: waits for a sender.</summary>
    public const string GoChanRecv = "go-chan-recv";

    /// <summary>A goroutine parked on a sync.Mutex or RWMutex: waits for its holder.</summary>
    public const string GoLock = "go-lock";

    /// <summary>An async flow awaiting SemaphoreSlim.WaitAsync: waits for the flow taken to hold it (always inferred).</summary>
    public const string AsyncLock = "async-lock";

    /// <summary>A thread blocked synchronously (Task.Wait, .Result) on an async flow: waits for that flow to finish.</summary>
    public const string AsyncWait = "async-wait";

    /// <summary>An async flow awaiting WriteAsync on a full bounded channel no flow waits to read: waits for the flow taken as its reader (inferred).</summary>
    public const string AsyncChannel = "async-channel";

    /// <summary>An async flow whose continuation was posted to a SynchronizationContext: waits for the context's one thread to run it (inferred).</summary>
    public const string SyncContext = "sync-context";

    /// <summary>A Python thread sleeping on a threading.Lock or RLock: waits for its holder (an RLock's recorded owner, observed; a Lock's, inferred).</summary>
    public const string PythonLock = "python-lock";

    /// <summary>A Python thread waiting to take the GIL: waits for the thread the interpreter records as holding it.</summary>
    public const string PythonGil = "python-gil";

    /// <summary>Blocked reading an eventfd whose count is 0: waits for another holder to write to it.</summary>
    public const string ReadEmptyEventfd = "read-empty-eventfd";
}
