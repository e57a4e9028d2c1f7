namespace ProcAudit.Capture.Sockets;

/// <summary>How a live socket query went; errno mapped to meaning where it is first seen.</summary>
internal enum SocketProbeOutcome
{
    Ok,
    /// <summary>The process exited, or the descriptor was closed or now refers to something else (ESRCH, EBADF, a changed inode).</summary>
    Gone,
    /// <summary>Not allowed (EPERM, EACCES): another user's process without root or CAP_SYS_PTRACE.</summary>
    Denied,
    /// <summary>The kernel lacks the feature (no sock_diag or unix_diag, no pidfd_getfd: EPROTONOSUPPORT, EINVAL, ENOENT, ENOSYS).</summary>
    Unsupported,
    /// <summary>The kernel did not answer within the time limit.</summary>
    TimedOut,
    /// <summary>Any other failure.</summary>
    Failed,
}
