namespace ProcAudit.Capture.Procfs;

/// <summary>How a read of a /proc file went; errno mapped to meaning at the lowest layer.</summary>
internal enum ReadOutcome
{
    Ok,
    /// <summary>The process or thread exited (ENOENT, ESRCH).</summary>
    Gone,
    /// <summary>Permission (EACCES, EPERM): another user's process without root or CAP_SYS_PTRACE.</summary>
    Denied,
    /// <summary>Any other failure.</summary>
    Failed,
    /// <summary>The read did not finish in time: the process is likely stuck in the kernel holding its memory lock.</summary>
    TimedOut,
}

/// <summary>The text of a /proc file, or why there is none.</summary>
internal readonly record struct ProcText(string? Text, ReadOutcome Outcome, string? Error = null)
{
    public bool Ok => Outcome == ReadOutcome.Ok && Text is not null;

    public static ProcText FromErrno(int errno) => errno switch
    {
        Native.Native.ENOENT or Native.Native.ESRCH => new ProcText(null, ReadOutcome.Gone),
        Native.Native.EACCES or Native.Native.EPERM => new ProcText(null, ReadOutcome.Denied),
        _ => new ProcText(null, ReadOutcome.Failed, "errno " + errno),
    };
}
