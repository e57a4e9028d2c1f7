using System.Globalization;

namespace ProcAudit.Capture.Sockets;

/// <summary>
/// errno values the socket layer meets (asm-generic/errno-base.h and errno.h, the same on x86-64
/// and arm64) and what they mean for each kind of query. Kept here rather than in Native so the
/// meaning sits next to the numbers.
/// </summary>
internal static class SocketErrors
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EINVAL = 22;
    public const int ENOSYS = 38;
    public const int EPROTONOSUPPORT = 93;
    public const int EOPNOTSUPP = 95;
    public const int EAFNOSUPPORT = 97;
    public const int ENOBUFS = 105;

    /// <summary>
    /// For socket(AF_NETLINK, ..., NETLINK_SOCK_DIAG) and the dump's error reply: a kernel built
    /// without sock_diag refuses the protocol (EPROTONOSUPPORT); one without unix_diag answers the
    /// request with ENOENT (no handler for the family) or EINVAL.
    /// </summary>
    public static SocketProbeOutcome ForDiag(int errno) => errno switch
    {
        EPROTONOSUPPORT or EAFNOSUPPORT or ENOENT or EINVAL or EOPNOTSUPP => SocketProbeOutcome.Unsupported,
        EPERM or EACCES => SocketProbeOutcome.Denied,
        _ => SocketProbeOutcome.Failed,
    };

    /// <summary>For pidfd_open and pidfd_getfd: ESRCH (no process) and EBADF (no such fd) are gone.</summary>
    public static SocketProbeOutcome ForPidfd(int errno) => errno switch
    {
        ESRCH or EBADF or ENOENT => SocketProbeOutcome.Gone,
        EPERM or EACCES => SocketProbeOutcome.Denied,
        ENOSYS => SocketProbeOutcome.Unsupported,
        _ => SocketProbeOutcome.Failed,
    };

    /// <summary>"errno 22 (EINVAL)", for messages.</summary>
    public static string Describe(int errno)
    {
        string? name = errno switch
        {
            EPERM => "EPERM",
            ENOENT => "ENOENT",
            ESRCH => "ESRCH",
            EINTR => "EINTR",
            EBADF => "EBADF",
            EAGAIN => "EAGAIN",
            EACCES => "EACCES",
            EINVAL => "EINVAL",
            ENOSYS => "ENOSYS",
            EPROTONOSUPPORT => "EPROTONOSUPPORT",
            EOPNOTSUPP => "EOPNOTSUPP",
            EAFNOSUPPORT => "EAFNOSUPPORT",
            ENOBUFS => "ENOBUFS",
            _ => null,
        };
        string number = "errno " + errno.ToString(CultureInfo.InvariantCulture);
        return name is null ? number : number + " (" + name + ")";
    }
}
