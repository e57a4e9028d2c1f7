namespace ProcAudit.MSBuild;

/// <summary>
/// The stable codes of every error and warning the tasks log; documented in the README. A code,
/// once released, keeps its meaning.
/// </summary>
internal static class Codes
{
    /// <summary>Error: the command timed out (or the build was cancelled) and was audited before it was stopped.</summary>
    public const string TimedOut = "PA1000";

    /// <summary>Error: a wait cycle, one per cycle.</summary>
    public const string Cycle = "PA1001";

    /// <summary>Error: a stall that is not a cycle, one per finding.</summary>
    public const string Stall = "PA1002";

    /// <summary>Warning: nothing moved and some wait leads somewhere ProcAudit cannot explain (an unexplained-wait finding, verdict blocked).</summary>
    public const string Unexplained = "PA1003";

    /// <summary>Error: the command exited with a non-zero code.</summary>
    public const string ExitCode = "PA1010";

    /// <summary>Warning: the command exited but a process it left behind still holds its output pipe open.</summary>
    public const string LeakedWriteEnd = "PA2001";

    /// <summary>Warning: stopped waiting for EOF after the grace period; what had been written was kept.</summary>
    public const string StoppedWaiting = "PA2002";

    /// <summary>Error: a parameter that cannot work (Timeout 0 or negative).</summary>
    public const string BadParameter = "PA3001";

    /// <summary>Warning: the report could not be written; the verdict is still in the log.</summary>
    public const string ReportNotWritten = "PA3002";

    /// <summary>Warning: the audit itself failed or ran out of time; the tool was stopped anyway.</summary>
    public const string AuditFailed = "PA3003";

    /// <summary>Warning: AuditProcessTree was given a pid that does not exist (any more).</summary>
    public const string NoSuchProcess = "PA3005";
}
