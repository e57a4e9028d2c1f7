using static ProcAudit.Capture.Native.Native;

namespace ProcAudit.Capture.Sockets;

/// <summary>
/// Lists every unix socket of the caller's network namespace through NETLINK_SOCK_DIAG
/// (sock_diag(7)): per socket its peer's inode, the queue lengths and memory, and its bound name,
/// none of which /proc/net/unix has. Asks with SOCK_DIAG_BY_FAMILY for AF_UNIX, all states,
/// UDIAG_SHOW_NAME | PEER | RQLEN | MEMINFO. Reads nothing from any socket but its own. Bounded
/// in time, sockets and bytes (<see cref="SockDiagChannel"/>); failures come back as an outcome.
/// </summary>
internal static class UnixSocketDiag
{
    /// <summary>Dumps the unix sockets of this thread's network namespace.</summary>
    /// <param name="timeout">For the whole dump; 2 s when null.</param>
    /// <param name="maxSockets">Stop after this many sockets (the dump is then <see cref="UnixDiagDump.Truncated"/>).</param>
    /// <param name="maxBytes">Stop after receiving this many bytes.</param>
    public static UnixDiagDump Dump(TimeSpan? timeout = null, int maxSockets = 1_000_000, long maxBytes = 256L << 20)
    {
        uint sequence = SockDiagChannel.NextSequence();
        UnixDiagParser parser = new(sequence, maxSockets);
        SockDiagExchange exchange = SockDiagChannel.Exchange(Request(), sequence, parser, "unix sockets", timeout ?? TimeSpan.FromSeconds(2), maxBytes);
        UnixDiagDump dump = parser.ToDump(exchange.NetNamespace);
        if (exchange.FailedAs is SocketProbeOutcome failed)
        {
            return dump with { Outcome = failed, Problem = exchange.Problem };
        }
        return exchange.ByteLimitHit ? dump with { Outcome = SocketProbeOutcome.Ok, Truncated = true, Problem = exchange.Problem } : dump;
    }

    /// <summary>struct unix_diag_req (include/uapi/linux/unix_diag.h).</summary>
    private static byte[] Request()
    {
        byte[] request = new byte[UNIX_DIAG_REQ_SIZE];
        request[0] = AF_UNIX; // sdiag_family
        request[1] = 0; // sdiag_protocol
        SockDiagChannel.PutU32(request, 4, uint.MaxValue); // udiag_states: every state
        SockDiagChannel.PutU32(request, 8, 0); // udiag_ino: 0 with a dump
        SockDiagChannel.PutU32(request, 12, UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN | UDIAG_SHOW_MEMINFO);
        SockDiagChannel.PutU32(request, 16, uint.MaxValue); // udiag_cookie: none
        SockDiagChannel.PutU32(request, 20, uint.MaxValue);
        return request;
    }
}
