namespace ProcAudit.Cli;

/// <summary>The documented exit codes (README "Exit codes"). Decided here once, never in a handler.</summary>
internal static class ExitCodes
{
    /// <summary>Not hung: running, idle (every wait ends in a timer or outside the tree), or exited.</summary>
    public const int Ok = 0;

    /// <summary>Bad usage; also what CommandLineUtils returns for a parse error.</summary>
    public const int Usage = 1;

    /// <summary>A wait cycle was found.</summary>
    public const int Deadlock = 2;

    /// <summary>Blocked with no cycle (a reader that never reads, a leaked write end).</summary>
    public const int Stalled = 3;

    /// <summary>The pid does not exist.</summary>
    public const int NoSuchProcess = 4;

    /// <summary>The audit cannot run here (not Linux, no /proc), or a file could not be read or written.</summary>
    public const int CannotAudit = 5;

    /// <summary>Nothing moved, and some wait leads somewhere ProcAudit cannot explain (listed in an unexplained-wait finding).</summary>
    public const int Blocked = 6;

    /// <summary>run/watch: the --timeout expired; the tree was audited (and, for run, killed).</summary>
    public const int TimedOut = 124;

    /// <summary>run: stopped early because the same wait cycle, or stall, of observed waits held for --deadlock-after.</summary>
    public const int StoppedDeadlock = 125;

    /// <summary>run: the command exists but cannot be executed.</summary>
    public const int CannotExecute = 126;

    /// <summary>run: the command was not found.</summary>
    public const int CommandNotFound = 127;

    /// <summary>Interrupted by Ctrl+C or SIGTERM.</summary>
    public const int Interrupted = 130;

    public static int For(Analysis.Verdict verdict) => verdict switch
    {
        Analysis.Verdict.Deadlock => Deadlock,
        Analysis.Verdict.Stalled => Stalled,
        Analysis.Verdict.Blocked => Blocked,
        _ => Ok,
    };

    public static int For(AuditError error) => error switch
    {
        AuditError.NoSuchProcess => NoSuchProcess,
        _ => CannotAudit,
    };
}
