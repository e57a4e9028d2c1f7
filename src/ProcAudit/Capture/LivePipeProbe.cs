using System.Runtime.InteropServices;
using System.Text;
using ProcAudit.Capture.Native;
using static ProcAudit.Capture.Native.Native;

namespace ProcAudit.Capture;

/// <summary>
/// Measures a live pipe. First choice: pidfd_getfd, a duplicate of the holder's own open file
/// (no new open, and closing a duplicate never releases the pipe, so no blocked reader or writer
/// is woken and made to look busy). Fallback when that is refused: an O_PATH open of the fd
/// link, checked to be this very pipe, then reopened non-blocking through /proc/self/fd.
/// Nothing is ever read, and nothing but a pipe is ever opened.
/// </summary>
internal sealed unsafe class LivePipeProbe : IPipeProbe
{
    public PipeLevel Probe(int pid, int fd, ulong inode) => Probe(pid, [(fd, inode)])[0];

    public IReadOnlyList<PipeLevel> Probe(int pid, IReadOnlyList<(int Fd, ulong Inode)> ends)
    {
        long pidfd = Syscall(SYS_pidfd_open, pid, 0, 0);
        try
        {
            return ends.Select(e => Measure(pid, e.Fd, e.Inode, pidfd < 0 ? -1 : (int)Syscall(SYS_pidfd_getfd, pidfd, e.Fd, 0))).ToList();
        }
        finally
        {
            if (pidfd >= 0)
            {
                Close((int)pidfd);
            }
        }
    }

    /// <param name="pid">The holder.</param>
    /// <param name="fd">Its descriptor of the pipe.</param>
    /// <param name="inode">The pipe.</param>
    /// <param name="copy">The holder's open file, duplicated by pidfd_getfd; -1 when that was refused.</param>
    private static PipeLevel Measure(int pid, int fd, ulong inode, int copy)
    {
        if (copy < 0)
        {
            copy = ReopenThroughPath(pid, fd, inode, out string? how);
            if (copy < 0)
            {
                return new PipeLevel(null, null, how);
            }
        }
        try
        {
            if (!IsThisPipe(copy, inode))
            {
                return new PipeLevel(null, null, $"fd {fd} of {pid} no longer refers to pipe:[{inode}]");
            }
            int queued;
            long? queuedBytes = Ioctl(copy, FIONREAD, &queued) == 0 ? queued : null;
            int size = Fcntl(copy, F_GETPIPE_SZ);
            long? capacity = size > 0 ? size : null;
            return new PipeLevel(queuedBytes, capacity, queuedBytes is null ? "FIONREAD failed: errno " + Marshal.GetLastPInvokeError() : null);
        }
        finally
        {
            Close(copy);
        }
    }

    private static int ReopenThroughPath(int pid, int fd, ulong inode, out string? problem)
    {
        // O_PATH resolves the magic link without running the file's open method, so even if the
        // fd was reused for a FIFO or a device in the meantime, nothing is opened for real.
        int path = Open($"/proc/{pid}/fd/{fd}", O_PATH | O_CLOEXEC);
        if (path < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            problem = errno is EACCES or EPERM
                ? $"no permission to inspect fd {fd} of {pid} (run as the same user or as root)"
                : $"could not inspect fd {fd} of {pid}: errno {errno}";
            return -1;
        }
        try
        {
            if (!IsThisPipe(path, inode))
            {
                problem = $"fd {fd} of {pid} no longer refers to pipe:[{inode}]";
                return -1;
            }
            int reopened = Open($"/proc/self/fd/{path}", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
            problem = reopened < 0 ? $"could not reopen pipe:[{inode}]: errno {Marshal.GetLastPInvokeError()}" : null;
            return reopened;
        }
        finally
        {
            Close(path);
        }
    }

    /// <summary>
    /// The device of the kernel's one pipefs, on which every anonymous pipe lives: a named FIFO with the
    /// same inode number lives on another file system. Null when a pipe of our own cannot be made.
    /// </summary>
    private static readonly (uint Major, uint Minor)? s_pipefs = PipefsDevice();

    private static (uint Major, uint Minor)? PipefsDevice()
    {
        int* ends = stackalloc int[2];
        if (Pipe2(ends, O_CLOEXEC) != 0)
        {
            return null;
        }
        StatxBuffer st;
        bool known = Statx(ends[0], "", AT_EMPTY_PATH, STATX_TYPE | STATX_INO, &st) == 0 && (st.Mode & S_IFMT) == S_IFIFO;
        Close(ends[0]);
        Close(ends[1]);
        return known ? (st.DevMajor, st.DevMinor) : null;
    }

    /// <summary>This very anonymous pipe: its inode on pipefs (or, without a pipefs device known, its link "pipe:[N]", where a named FIFO's link is its path).</summary>
    private static bool IsThisPipe(int fd, ulong inode)
    {
        StatxBuffer st;
        if (Statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_INO, &st) != 0 || (st.Mode & S_IFMT) != S_IFIFO || st.Ino != inode)
        {
            return false;
        }
        if (s_pipefs is (uint major, uint minor))
        {
            return st.DevMajor == major && st.DevMinor == minor; // a statx, where a readlink of /proc/self/fd/N walked procfs for each of 3,200 pipes
        }
        byte* buffer = stackalloc byte[64];
        nint n = Readlink($"/proc/self/fd/{fd}", buffer, 64);
        return n > 0 && Encoding.ASCII.GetString(buffer, (int)n) == $"pipe:[{inode}]";
    }
}
