using System.Collections.Immutable;
using static ProcAudit.Capture.Native.Native;

namespace ProcAudit.Capture.Sockets;

/// <summary>
/// Lists every TCP socket (IPv4, then IPv6) of the caller's network namespace through
/// NETLINK_SOCK_DIAG with inet_diag (sock_diag(7)), asking for INET_DIAG_INFO (tcp_info) and
/// INET_DIAG_SKMEMINFO: all that /proc/net/tcp says, at a fraction of its cost, and what the text
/// lacks: a listener's backlog limit, the window the peer advertises, unanswered probes, time since
/// data last moved. The /proc/PID/net/tcp parsers are the fallback when a dump fails or stops
/// early. Bounded like <see cref="UnixSocketDiag"/>.
/// </summary>
internal static class InetSocketDiag
{
    /// <summary>Dumps the TCP sockets of this thread's network namespace.</summary>
    /// <param name="timeout">For each family's dump; 2 s when null.</param>
    /// <param name="maxSockets">Stop after this many sockets per family.</param>
    /// <param name="maxBytes">Stop after receiving this many bytes per family.</param>
    public static InetDiagDump DumpTcp(TimeSpan? timeout = null, int maxSockets = 1_000_000, long maxBytes = 256L << 20)
    {
        InetDiagDump v4 = DumpFamily(AF_INET, timeout ?? TimeSpan.FromSeconds(2), maxSockets, maxBytes);
        if (v4.Outcome != SocketProbeOutcome.Ok)
        {
            return v4;
        }
        InetDiagDump v6 = DumpFamily(AF_INET6, timeout ?? TimeSpan.FromSeconds(2), maxSockets, maxBytes);
        // A kernel without IPv6 refuses the family; the IPv4 sockets stand alone.
        if (v6.Outcome == SocketProbeOutcome.Unsupported)
        {
            return v4;
        }
        string? problem = v4.Problem is null ? v6.Problem : v6.Problem is null ? v4.Problem : v4.Problem + "; " + v6.Problem;
        return new InetDiagDump(
            v6.Outcome,
            v4.Sockets.SetItems(v6.Sockets),
            v4.Unheld.AddRange(v6.Unheld),
            problem,
            v4.NetNamespace,
            v4.Truncated || v6.Truncated);
    }

    private static InetDiagDump DumpFamily(int family, TimeSpan timeout, int maxSockets, long maxBytes)
    {
        uint sequence = SockDiagChannel.NextSequence();
        InetDiagParser parser = new(sequence, maxSockets);
        string what = family == AF_INET ? "TCP sockets" : "TCP/IPv6 sockets";
        SockDiagExchange exchange = SockDiagChannel.Exchange(Request(family), sequence, parser, what, timeout, maxBytes);
        InetDiagDump dump = parser.ToDump(exchange.NetNamespace);
        if (exchange.FailedAs is SocketProbeOutcome failed)
        {
            return dump with { Outcome = failed, Problem = exchange.Problem };
        }
        return exchange.ByteLimitHit ? dump with { Outcome = SocketProbeOutcome.Ok, Truncated = true, Problem = exchange.Problem } : dump;
    }

    /// <summary>struct inet_diag_req_v2 (include/uapi/linux/inet_diag.h): every state, no socket id filter.</summary>
    private static byte[] Request(int family)
    {
        byte[] request = new byte[INET_DIAG_REQ_V2_SIZE];
        request[0] = (byte)family; // sdiag_family
        request[1] = IPPROTO_TCP; // sdiag_protocol
        request[2] = (1 << (INET_DIAG_INFO - 1)) | (1 << (INET_DIAG_SKMEMINFO - 1)); // idiag_ext
        SockDiagChannel.PutU32(request, 4, uint.MaxValue); // idiag_states
        // inet_diag_sockid at 8 stays zero but for its cookie (at 8 + 40).
        SockDiagChannel.PutU32(request, 48, INET_DIAG_NOCOOKIE);
        SockDiagChannel.PutU32(request, 52, INET_DIAG_NOCOOKIE);
        return request;
    }
}
