using System.Runtime.InteropServices;
using static ProcAudit.Capture.Native.Native;

namespace ProcAudit.Capture.Sockets;

/// <summary>
/// Measures a live socket's queues through a process that holds it: pidfd_open(2) and
/// pidfd_getfd(2) give this process a duplicate of the holder's descriptor (the same open file),
/// which is checked to still be that socket, asked SIOCINQ and SIOCOUTQ, and closed at once.
/// Closing a duplicate never closes the socket. Nothing is read. A socket cannot be opened through
/// /proc/PID/fd (ENXIO), so there is no fallback: without pidfd_getfd's permission (ptrace access
/// to the holder: same user under the default Yama policy, or root) the result is Denied.
/// One side effect the kernel has on receiving any socket descriptor (__receive_sock): on a system
/// with the cgroup-v1 net_cls or net_prio controllers the socket's class id and priority index are
/// re-tagged with this process's cgroup; on cgroup v2 alone there is no such tag.
/// </summary>
internal sealed unsafe class SocketQueueProbe : ISocketQueueProbe
{
    public SocketQueues Probe(int pid, int fd, ulong inode)
    {
        long pidfd = Syscall(SYS_pidfd_open, pid, 0, 0);
        if (pidfd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return new SocketQueues(SocketErrors.ForPidfd(errno), null, null, $"pidfd_open({pid}) failed: {SocketErrors.Describe(errno)}");
        }
        int copy;
        int getfdErrno;
        try
        {
            copy = (int)Syscall(SYS_pidfd_getfd, pidfd, fd, 0);
            getfdErrno = copy < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
        finally
        {
            Close((int)pidfd);
        }
        if (copy < 0)
        {
            SocketProbeOutcome outcome = SocketErrors.ForPidfd(getfdErrno);
            string why = outcome == SocketProbeOutcome.Denied
                ? $"no permission to duplicate fd {fd} of {pid} (pidfd_getfd needs ptrace access: the same user or root)"
                : $"pidfd_getfd of fd {fd} of {pid} failed: {SocketErrors.Describe(getfdErrno)}";
            return new SocketQueues(outcome, null, null, why);
        }
        try
        {
            StatxBuffer st;
            if (Statx(copy, "", AT_EMPTY_PATH, STATX_TYPE | STATX_INO, &st) != 0 || (st.Mode & S_IFMT) != S_IFSOCK || st.Ino != inode)
            {
                return new SocketQueues(SocketProbeOutcome.Gone, null, null, $"fd {fd} of {pid} no longer refers to socket:[{inode}]");
            }
            int unread;
            long? unreadBytes = Ioctl(copy, SIOCINQ, &unread) == 0 ? unread : null;
            int inqErrno = unreadBytes is null ? Marshal.GetLastPInvokeError() : 0;
            int unsent;
            long? unsentBytes = Ioctl(copy, SIOCOUTQ, &unsent) == 0 ? unsent : null;
            int outqErrno = unsentBytes is null ? Marshal.GetLastPInvokeError() : 0;
            string? problem = null;
            if (unreadBytes is null)
            {
                problem = inqErrno == SocketErrors.EINVAL
                    ? "SIOCINQ does not apply (a listening socket)"
                    : "SIOCINQ failed: " + SocketErrors.Describe(inqErrno);
            }
            if (unsentBytes is null)
            {
                problem = (problem is null ? "" : problem + "; ") + "SIOCOUTQ failed: " + SocketErrors.Describe(outqErrno);
            }
            return new SocketQueues(SocketProbeOutcome.Ok, unreadBytes, unsentBytes, problem);
        }
        finally
        {
            Close(copy);
        }
    }
}
