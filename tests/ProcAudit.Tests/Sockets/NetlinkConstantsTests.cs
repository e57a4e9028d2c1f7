using System.Globalization;
using System.Text;
using ProcAudit.Capture.Sockets;
using Xunit.Abstractions;
using N = ProcAudit.Capture.Native.Native;

namespace ProcAudit.Tests.Sockets;

/// <summary>
/// The socket constants and struct sizes ProcAudit writes by hand, checked against this machine's C
/// headers: a generated C file static_asserts each one and must compile. Fails where no C compiler is found.
/// </summary>
public sealed class NetlinkConstantsTests
{
    private readonly ITestOutputHelper _output;

    public NetlinkConstantsTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private static readonly (string Expression, long Value)[] s_checks =
    {
        ("AF_UNIX", N.AF_UNIX),
        ("AF_INET", N.AF_INET),
        ("AF_INET6", N.AF_INET6),
        ("AF_NETLINK", N.AF_NETLINK),
        ("SOCK_RAW", N.SOCK_RAW),
        ("SOCK_CLOEXEC", N.SOCK_CLOEXEC),
        ("NETLINK_SOCK_DIAG", N.NETLINK_SOCK_DIAG),
        ("MSG_TRUNC", N.MSG_TRUNC),
        ("MSG_DONTWAIT", N.MSG_DONTWAIT),
        ("POLLIN", N.POLLIN),
        ("SIOCINQ", N.SIOCINQ),
        ("SIOCOUTQ", N.SIOCOUTQ),
        ("FIONREAD", N.FIONREAD),
        ("S_IFSOCK", N.S_IFSOCK),
        ("NLMSG_HDRLEN", N.NLMSG_HDRLEN),
        ("NLMSG_NOOP", N.NLMSG_NOOP),
        ("NLMSG_ERROR", N.NLMSG_ERROR),
        ("NLMSG_DONE", N.NLMSG_DONE),
        ("NLMSG_OVERRUN", N.NLMSG_OVERRUN),
        ("NLM_F_REQUEST", N.NLM_F_REQUEST),
        ("NLM_F_MULTI", N.NLM_F_MULTI),
        ("NLM_F_DUMP_INTR", N.NLM_F_DUMP_INTR),
        ("NLM_F_DUMP", N.NLM_F_DUMP),
        ("SOCK_DIAG_BY_FAMILY", N.SOCK_DIAG_BY_FAMILY),
        ("UDIAG_SHOW_NAME", N.UDIAG_SHOW_NAME),
        ("UDIAG_SHOW_VFS", N.UDIAG_SHOW_VFS),
        ("UDIAG_SHOW_PEER", N.UDIAG_SHOW_PEER),
        ("UDIAG_SHOW_ICONS", N.UDIAG_SHOW_ICONS),
        ("UDIAG_SHOW_RQLEN", N.UDIAG_SHOW_RQLEN),
        ("UDIAG_SHOW_MEMINFO", N.UDIAG_SHOW_MEMINFO),
        ("UNIX_DIAG_NAME", N.UNIX_DIAG_NAME),
        ("UNIX_DIAG_VFS", N.UNIX_DIAG_VFS),
        ("UNIX_DIAG_PEER", N.UNIX_DIAG_PEER),
        ("UNIX_DIAG_ICONS", N.UNIX_DIAG_ICONS),
        ("UNIX_DIAG_RQLEN", N.UNIX_DIAG_RQLEN),
        ("UNIX_DIAG_MEMINFO", N.UNIX_DIAG_MEMINFO),
        ("UNIX_DIAG_SHUTDOWN", N.UNIX_DIAG_SHUTDOWN),
        ("sizeof(struct unix_diag_req)", N.UNIX_DIAG_REQ_SIZE),
        ("sizeof(struct unix_diag_msg)", N.UNIX_DIAG_MSG_SIZE),
        ("sizeof(struct sockaddr_nl)", N.SOCKADDR_NL_SIZE),
        ("sizeof(struct nlmsghdr)", 16),
        ("sizeof(struct pollfd)", 8),
        // The offsets UnixSocketDiag writes and UnixDiagParser reads.
        ("offsetof(struct unix_diag_req, udiag_states)", 4),
        ("offsetof(struct unix_diag_req, udiag_ino)", 8),
        ("offsetof(struct unix_diag_req, udiag_show)", 12),
        ("offsetof(struct unix_diag_req, udiag_cookie)", 16),
        ("offsetof(struct unix_diag_msg, udiag_type)", 1),
        ("offsetof(struct unix_diag_msg, udiag_state)", 2),
        ("offsetof(struct unix_diag_msg, udiag_ino)", 4),
        ("offsetof(struct unix_diag_rqlen, udiag_wqueue)", 4),
        ("offsetof(struct nlmsghdr, nlmsg_type)", 4),
        ("offsetof(struct nlmsghdr, nlmsg_flags)", 6),
        ("offsetof(struct nlmsghdr, nlmsg_seq)", 8),
        ("SK_MEMINFO_RMEM_ALLOC", 0),
        ("SK_MEMINFO_RCVBUF", 1),
        ("SK_MEMINFO_WMEM_ALLOC", 2),
        ("SK_MEMINFO_SNDBUF", 3),
        ("SK_MEMINFO_FWD_ALLOC", 4),
        ("SK_MEMINFO_WMEM_QUEUED", 5),
        ("SK_MEMINFO_OPTMEM", 6),
        ("SK_MEMINFO_BACKLOG", 7),
        ("SK_MEMINFO_DROPS", 8),
        ("SOCK_STREAM", (long)UnixSocketType.Stream),
        ("SOCK_DGRAM", (long)UnixSocketType.Dgram),
        ("SOCK_SEQPACKET", (long)UnixSocketType.SeqPacket),
        ("TCP_ESTABLISHED", (long)TcpState.Established),
        ("TCP_TIME_WAIT", (long)TcpState.TimeWait),
        ("TCP_CLOSE", (long)TcpState.Close),
        ("TCP_LISTEN", (long)TcpState.Listen),
        ("TCP_CLOSING", (long)TcpState.Closing),
        ("EPERM", SocketErrors.EPERM),
        ("ENOENT", SocketErrors.ENOENT),
        ("ESRCH", SocketErrors.ESRCH),
        ("EINTR", SocketErrors.EINTR),
        ("EBADF", SocketErrors.EBADF),
        ("EAGAIN", SocketErrors.EAGAIN),
        ("EACCES", SocketErrors.EACCES),
        ("EINVAL", SocketErrors.EINVAL),
        ("ENOSYS", SocketErrors.ENOSYS),
        ("EPROTONOSUPPORT", SocketErrors.EPROTONOSUPPORT),
        ("EOPNOTSUPP", SocketErrors.EOPNOTSUPP),
        ("EAFNOSUPPORT", SocketErrors.EAFNOSUPPORT),
        ("ENOBUFS", SocketErrors.ENOBUFS),
    };

    /// <summary>Checked in a second file: linux/tcp.h and glibc's netinet/tcp.h both define struct tcp_info.</summary>
    private static readonly (string Expression, long Value)[] s_inetChecks =
    {
        ("IPPROTO_TCP", N.IPPROTO_TCP),
        ("INET_DIAG_MEMINFO", N.INET_DIAG_MEMINFO),
        ("INET_DIAG_INFO", N.INET_DIAG_INFO),
        ("INET_DIAG_SKMEMINFO", N.INET_DIAG_SKMEMINFO),
        ("INET_DIAG_NOCOOKIE", N.INET_DIAG_NOCOOKIE),
        ("sizeof(struct inet_diag_req_v2)", N.INET_DIAG_REQ_V2_SIZE),
        ("sizeof(struct inet_diag_msg)", N.INET_DIAG_MSG_SIZE),
        ("offsetof(struct inet_diag_req_v2, idiag_ext)", 2),
        ("offsetof(struct inet_diag_req_v2, idiag_states)", 4),
        ("offsetof(struct inet_diag_req_v2, id.idiag_cookie)", 48),
        ("offsetof(struct inet_diag_msg, idiag_state)", 1),
        ("offsetof(struct inet_diag_msg, idiag_timer)", 2),
        ("offsetof(struct inet_diag_msg, id.idiag_sport)", 4),
        ("offsetof(struct inet_diag_msg, id.idiag_dport)", 6),
        ("offsetof(struct inet_diag_msg, id.idiag_src)", 8),
        ("offsetof(struct inet_diag_msg, id.idiag_dst)", 24),
        ("offsetof(struct inet_diag_msg, idiag_rqueue)", 56),
        ("offsetof(struct inet_diag_msg, idiag_wqueue)", 60),
        ("offsetof(struct inet_diag_msg, idiag_uid)", 64),
        ("offsetof(struct inet_diag_msg, idiag_inode)", 68),
        ("offsetof(struct tcp_info, tcpi_retransmits)", 2),
        ("offsetof(struct tcp_info, tcpi_probes)", 3),
        ("offsetof(struct tcp_info, tcpi_backoff)", 4),
        ("offsetof(struct tcp_info, tcpi_rto)", 8),
        ("offsetof(struct tcp_info, tcpi_unacked)", 24),
        ("offsetof(struct tcp_info, tcpi_last_data_sent)", 44),
        ("offsetof(struct tcp_info, tcpi_last_data_recv)", 52),
        ("offsetof(struct tcp_info, tcpi_last_ack_recv)", 56),
        ("offsetof(struct tcp_info, tcpi_rcv_space)", 96),
        ("offsetof(struct tcp_info, tcpi_total_retrans) + 4", 104),
        ("offsetof(struct tcp_info, tcpi_bytes_acked)", 120),
        ("offsetof(struct tcp_info, tcpi_bytes_received)", 128),
        ("offsetof(struct tcp_info, tcpi_notsent_bytes)", 144),
        ("offsetof(struct tcp_info, tcpi_rwnd_limited)", 176),
        ("offsetof(struct tcp_info, tcpi_sndbuf_limited)", 184),
        ("offsetof(struct tcp_info, tcpi_snd_wnd)", 228),
    };

    [Fact(Timeout = 120_000)]
    public async Task ConstantsMatchThisMachinesHeaders()
    {
        string compiler = Prerequisites.CCompiler("this test compiles the socket constants and layouts against this machine's C headers");
        string dir = Path.Combine(Path.GetTempPath(), "procaudit-netlink-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string source = Path.Combine(dir, "check.c");
            string inetSource = Path.Combine(dir, "inet.c");
            await File.WriteAllTextAsync(source, Source(s_headers, s_checks));
            await File.WriteAllTextAsync(inetSource, Source(s_inetHeaders, s_inetChecks));
            CommandResult cc = await Task.Run(() => BoundedCommand.Run(compiler, ["-fsyntax-only", source, inetSource], TimeSpan.FromSeconds(60)));
            Assert.True(cc.ExitCode == 0, $"constants differ from the headers:\n{cc.Output}");
            _output.WriteLine($"{s_checks.Length + s_inetChecks.Length} socket constants and layouts match the headers.");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static readonly string[] s_headers =
    {
        "errno.h", "poll.h", "stddef.h", "sys/socket.h", "sys/stat.h", "sys/ioctl.h", "netinet/in.h", "netinet/tcp.h",
        "linux/netlink.h", "linux/sock_diag.h", "linux/unix_diag.h", "linux/sockios.h",
    };

    private static readonly string[] s_inetHeaders = { "stddef.h", "sys/socket.h", "netinet/in.h", "linux/tcp.h", "linux/inet_diag.h" };

    private static string Source(string[] headers, (string Expression, long Value)[] checks)
    {
        StringBuilder c = new();
        foreach (string header in headers)
        {
            c.Append("#include <").Append(header).AppendLine(">");
        }
        foreach ((string expression, long value) in checks)
        {
            string literal = value.ToString(CultureInfo.InvariantCulture);
            c.AppendLine($"_Static_assert((long long)({expression}) == {literal}LL, \"{expression.Replace("\"", "\\\"")} is not {literal}\");");
        }
        return c.ToString();
    }
}
