using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using ProcAudit.Capture.Procfs;
using static ProcAudit.Capture.Native.Native;

namespace ProcAudit.Capture.Sockets;

/// <summary>
/// One sock_diag dump over a NETLINK_SOCK_DIAG socket (sock_diag(7)): sends a SOCK_DIAG_BY_FAMILY
/// request with NLM_F_REQUEST | NLM_F_DUMP and feeds every reply datagram to a parser until it has
/// finished. The socket is made with libc socket(2) (.NET's Socket refuses AF_NETLINK) and belongs
/// to the network namespace of the calling thread. Bounded: each recv waits in poll(2) no longer than
/// what is left of the time limit, and reception stops at a byte limit. Never throws for the kernel's
/// answers; failures come back in the <see cref="SockDiagExchange"/>.
/// </summary>
internal static unsafe class SockDiagChannel
{
    private const int ReceiveBufferSize = 64 * 1024;
    private static int s_sequence = Environment.ProcessId;

    /// <summary>A sequence number for the next request, different from the last one.</summary>
    public static uint NextSequence() => unchecked((uint)Interlocked.Increment(ref s_sequence));

    /// <param name="body">The family's request struct (unix_diag_req, inet_diag_req_v2), without the nlmsghdr.</param>
    /// <param name="sequence">Goes into nlmsg_seq; the parser must have been made with the same one.</param>
    /// <param name="parser">Receives every datagram.</param>
    /// <param name="what">"unix sockets", "TCP sockets", for messages.</param>
    /// <param name="limit">For the whole exchange.</param>
    /// <param name="maxBytes">Stop receiving after this many bytes.</param>
    public static SockDiagExchange Exchange(ReadOnlySpan<byte> body, uint sequence, SockDiagParser parser, string what, TimeSpan limit, long maxBytes)
    {
        Stopwatch clock = Stopwatch.StartNew();
        string? netNamespace = NetNamespaceOfThisThread();
        int fd = Socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            SocketProbeOutcome outcome = SocketErrors.ForDiag(errno);
            return new SockDiagExchange(outcome, outcome == SocketProbeOutcome.Unsupported
                ? $"the kernel has no NETLINK_SOCK_DIAG ({SocketErrors.Describe(errno)}), so {what} cannot be listed"
                : $"could not open a NETLINK_SOCK_DIAG socket: {SocketErrors.Describe(errno)}", false, netNamespace);
        }
        using NetlinkSocketHandle socket = new(fd);
        string? sendProblem = Send(socket, body, sequence, out int sendErrno);
        if (sendProblem is not null)
        {
            return new SockDiagExchange(SocketErrors.ForDiag(sendErrno), sendProblem, false, netNamespace);
        }

        byte[] buffer = new byte[ReceiveBufferSize];
        long received = 0;
        while (!parser.Finished)
        {
            int remaining = (int)Math.Max(0, (limit - clock.Elapsed).TotalMilliseconds);
            PollFd poll = new() { Fd = socket.Fd, Events = POLLIN };
            int ready = Poll(&poll, 1, remaining);
            if (ready < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == SocketErrors.EINTR)
                {
                    continue;
                }
                return new SockDiagExchange(SocketProbeOutcome.Failed, "poll on the sock_diag socket failed: " + SocketErrors.Describe(errno), false, netNamespace);
            }
            if (ready == 0)
            {
                return new SockDiagExchange(SocketProbeOutcome.TimedOut,
                    $"the kernel did not finish listing {what} within {limit.TotalMilliseconds:0} ms", false, netNamespace);
            }
            nint n;
            fixed (byte* data = buffer)
            {
                // MSG_TRUNC makes recv return the datagram's real length, so a cut one is noticed.
                n = Recv(socket, data, (nuint)buffer.Length, MSG_DONTWAIT | MSG_TRUNC);
            }
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is SocketErrors.EAGAIN or SocketErrors.EINTR)
                {
                    continue;
                }
                // ENOBUFS: the kernel dropped replies because this socket's buffer overflowed.
                SocketProbeOutcome outcome = errno == SocketErrors.ENOBUFS ? SocketProbeOutcome.Failed : SocketErrors.ForDiag(errno);
                return new SockDiagExchange(outcome, $"receiving the sock_diag dump of {what} failed: {SocketErrors.Describe(errno)}", false, netNamespace);
            }
            if (n == 0 || n > buffer.Length)
            {
                return new SockDiagExchange(SocketProbeOutcome.Failed,
                    n == 0 ? "the sock_diag socket returned no data" : $"a netlink reply of {n} bytes did not fit the {buffer.Length}-byte buffer",
                    false, netNamespace);
            }
            received += n;
            parser.Feed(buffer.AsSpan(0, (int)n));
            if (!parser.Finished && received >= maxBytes)
            {
                return new SockDiagExchange(null, $"the sock_diag dump of {what} stopped after {received} bytes", true, netNamespace);
            }
        }
        return new SockDiagExchange(null, null, false, netNamespace);
    }

    /// <summary>nlmsghdr + the request body, sent to the kernel (port id 0).</summary>
    private static string? Send(NetlinkSocketHandle socket, ReadOnlySpan<byte> body, uint sequence, out int errno)
    {
        int length = NLMSG_HDRLEN + body.Length;
        byte[] request = new byte[length];
        PutU32(request, 0, (uint)length);
        PutU16(request, 4, SOCK_DIAG_BY_FAMILY);
        PutU16(request, 6, NLM_F_REQUEST | NLM_F_DUMP);
        PutU32(request, 8, sequence);
        // nlmsg_pid stays 0: the kernel assigns this socket's port id.
        body.CopyTo(request.AsSpan(NLMSG_HDRLEN));

        byte* kernel = stackalloc byte[SOCKADDR_NL_SIZE];
        new Span<byte>(kernel, SOCKADDR_NL_SIZE).Clear();
        // sockaddr_nl: nl_family; nl_pid 0 is the kernel; nl_groups 0.
        PutU16(new Span<byte>(kernel, SOCKADDR_NL_SIZE), 0, AF_NETLINK);
        nint sent;
        fixed (byte* data = request)
        {
            sent = SendTo(socket, data, (nuint)length, 0, kernel, SOCKADDR_NL_SIZE);
        }
        errno = sent < 0 ? Marshal.GetLastPInvokeError() : 0;
        if (sent == length)
        {
            return null;
        }
        return sent < 0
            ? "sending the sock_diag request failed: " + SocketErrors.Describe(errno)
            : $"the sock_diag request was sent short ({sent} of {length} bytes)";
    }

    private static string? NetNamespaceOfThisThread()
    {
        ProcText link = new ProcfsReader().ReadLink("thread-self/ns/net");
        return link.Ok ? link.Text : null;
    }

    /// <summary>A u32 in the host's byte order, as netlink wants it.</summary>
    public static void PutU32(Span<byte> data, int offset, uint value)
    {
        if (BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(data[offset..], value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(data[offset..], value);
        }
    }

    /// <summary>A u16 in the host's byte order.</summary>
    public static void PutU16(Span<byte> data, int offset, ushort value)
    {
        if (BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(data[offset..], value);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(data[offset..], value);
        }
    }
}
