namespace ProcAudit.Runtimes;

/// <summary>
/// The threads CoreCLR keeps for itself: their waits (a signal pipe, the debugger's FIFO, the diagnostics port, an
/// idle pool thread's timeout) are the runtime's, not the program's, and neither show that the program moves nor
/// explain what it waits for.
/// </summary>
internal static class DotNetThreads
{
    // CoreCLR names its own threads (pthread_setname_np; comm keeps 15 bytes). ".NET Sockets" is
    // not here: its epoll set is where the program's asynchronous I/O waits. ".NET Timer" and
    // ".NET Long Running" are not either: they run the program's timers and tasks.
    private static readonly string[] s_dotNet =
    [
        ".NET SynchManag", ".NET EventPipe", ".NET DebugPipe", ".NET Debugger", ".NET Finalizer",
        ".NET Tiered Com", ".NET SigHandler", ".NET TP Gate", ".NET BGC", ".NET Server GC",
        ".NET Counter Po", ".NET GC",
    ];

    /// <summary>True for the runtime's own thread.</summary>
    public static bool IsHousekeeping(ThreadInfo thread)
    {
        if (s_dotNet.Any(n => thread.Name.StartsWith(n, StringComparison.Ordinal)))
        {
            return true;
        }
        // A pool thread waiting with a time limit is an idle worker that retires when it expires;
        // one blocked without a limit runs the program's code (sync-over-async, a lock).
        return thread.Name.StartsWith(".NET TP", StringComparison.Ordinal) && thread.Syscall?.Timer is not null;
    }
}
