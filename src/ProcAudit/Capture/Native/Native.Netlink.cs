using System.Runtime.InteropServices;

namespace ProcAudit.Capture.Native;

/// <summary>
/// Sockets: a NETLINK_SOCK_DIAG socket for the unix-socket dump (sock_diag(7), netlink(7)), and the
/// queue ioctls of socket(7) / tcp(7) / unix(7). Values are the Linux generic ones, which x86-64 and
/// arm64 share (SIOCOUTQ is TIOCOUTQ, which differs only on alpha, mips, powerpc and sparc).
/// </summary>
internal static unsafe partial class Native
{
    public const int AF_UNIX = 1;
    public const int AF_INET = 2;
    public const int AF_INET6 = 10;
    public const int AF_NETLINK = 16;
    public const int SOCK_RAW = 3;
    /// <summary>The same bit as O_CLOEXEC, as socket(2) specifies.</summary>
    public const int SOCK_CLOEXEC = 0x80000;
    public const int NETLINK_SOCK_DIAG = 4;

    public const int MSG_TRUNC = 0x20;
    public const int MSG_DONTWAIT = 0x40;
    public const short POLLIN = 0x1;

    /// <summary>socket(7) SIOCINQ: unread bytes (TCP, unix stream), or the size of the next datagram (UDP, unix dgram).</summary>
    public const uint SIOCINQ = FIONREAD;
    /// <summary>socket(7) SIOCOUTQ: TCP bytes not yet acknowledged; for unix and UDP the send-buffer memory still charged.</summary>
    public const uint SIOCOUTQ = 0x5411;

    public const uint S_IFSOCK = 0xC000;

    // netlink(7): message header and control message types.
    public const int NLMSG_HDRLEN = 16;
    public const ushort NLMSG_NOOP = 1;
    public const ushort NLMSG_ERROR = 2;
    public const ushort NLMSG_DONE = 3;
    public const ushort NLMSG_OVERRUN = 4;
    public const ushort NLM_F_REQUEST = 0x1;
    public const ushort NLM_F_MULTI = 0x2;
    public const ushort NLM_F_DUMP_INTR = 0x10;
    /// <summary>NLM_F_ROOT | NLM_F_MATCH.</summary>
    public const ushort NLM_F_DUMP = 0x300;

    // sock_diag(7), include/uapi/linux/sock_diag.h and unix_diag.h.
    public const ushort SOCK_DIAG_BY_FAMILY = 20;
    public const uint UDIAG_SHOW_NAME = 0x01;
    public const uint UDIAG_SHOW_VFS = 0x02;
    public const uint UDIAG_SHOW_PEER = 0x04;
    public const uint UDIAG_SHOW_ICONS = 0x08;
    public const uint UDIAG_SHOW_RQLEN = 0x10;
    public const uint UDIAG_SHOW_MEMINFO = 0x20;
    public const ushort UNIX_DIAG_NAME = 0;
    public const ushort UNIX_DIAG_VFS = 1;
    public const ushort UNIX_DIAG_PEER = 2;
    public const ushort UNIX_DIAG_ICONS = 3;
    public const ushort UNIX_DIAG_RQLEN = 4;
    public const ushort UNIX_DIAG_MEMINFO = 5;
    public const ushort UNIX_DIAG_SHUTDOWN = 6;
    /// <summary>sizeof(struct unix_diag_req).</summary>
    public const int UNIX_DIAG_REQ_SIZE = 24;
    /// <summary>sizeof(struct unix_diag_msg).</summary>
    public const int UNIX_DIAG_MSG_SIZE = 16;
    // include/uapi/linux/inet_diag.h.
    public const int IPPROTO_TCP = 6;
    public const ushort INET_DIAG_MEMINFO = 1;
    public const ushort INET_DIAG_INFO = 2;
    public const ushort INET_DIAG_SKMEMINFO = 7;
    /// <summary>sizeof(struct inet_diag_req_v2).</summary>
    public const int INET_DIAG_REQ_V2_SIZE = 56;
    /// <summary>sizeof(struct inet_diag_msg).</summary>
    public const int INET_DIAG_MSG_SIZE = 72;
    /// <summary>~0U: no cookie given.</summary>
    public const uint INET_DIAG_NOCOOKIE = uint.MaxValue;

    /// <summary>sizeof(struct sockaddr_nl).</summary>
    public const int SOCKADDR_NL_SIZE = 12;

    [LibraryImport(Libc, EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Libc, EntryPoint = "sendto", SetLastError = true)]
    public static partial nint SendTo(SafeHandle socket, byte* buffer, nuint length, int flags, byte* address, uint addressLength);

    [LibraryImport(Libc, EntryPoint = "recv", SetLastError = true)]
    public static partial nint Recv(SafeHandle socket, byte* buffer, nuint length, int flags);

    [LibraryImport(Libc, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    /// <summary>struct pollfd (poll(2)).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}
