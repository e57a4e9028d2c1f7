namespace ProcAudit;

/// <summary>What kind of wait a blocked syscall is, classified once by the capture from its name: the analysis reads this, never the name.</summary>
public enum SyscallShape
{
    /// <summary>Nothing ProcAudit interprets specially.</summary>
    Other,

    /// <summary>arg0 is an fd the call reads data from (read, readv, pread64, recvfrom, recvmsg, ...).</summary>
    FdRead,

    /// <summary>arg0 is an fd the call writes data to (write, writev, pwrite64, sendto, sendmsg, sendfile, ...).</summary>
    FdWrite,

    /// <summary>arg0 is an fd, but the call neither simply reads nor writes through it (flock, fcntl, accept, connect, ioctl, fsync, splice, ...).</summary>
    FdOther,

    /// <summary>Waiting for a child to change state (wait4, waitid).</summary>
    Wait,

    /// <summary>Multiplexed wait on several fds (select, pselect6, poll, ppoll, epoll_wait, epoll_pwait, epoll_pwait2).</summary>
    Poll,

    /// <summary>Waiting on a futex (futex, futex_waitv): a lock or condition inside some process.</summary>
    Futex,

    /// <summary>Sleeping for a time or until a signal (nanosleep, clock_nanosleep, pause, rt_sigsuspend, rt_sigtimedwait).</summary>
    Sleep,
}
