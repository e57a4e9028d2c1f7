using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Net;
using static ProcAudit.Capture.Native.Native;

namespace ProcAudit.Capture.Sockets;

/// <summary>
/// Reads the replies to a SOCK_DIAG_BY_FAMILY dump of AF_INET or AF_INET6 with IPPROTO_TCP
/// (sock_diag(7)): per message an inet_diag_msg (family, state, timer, retrans u8; inet_diag_sockid
/// at 4: sport, dport big-endian u16, src and dst 16 bytes each in network order, if, cookie; then
/// expires, rqueue, wqueue, uid, inode u32 at 52..68) and the INET_DIAG_INFO and INET_DIAG_SKMEMINFO
/// attributes. Framing, errors and byte order: <see cref="SockDiagParser"/>.
/// </summary>
internal sealed class InetDiagParser : SockDiagParser
{
    private readonly int _maxSockets;
    private readonly Dictionary<ulong, InetDiagSocket> _sockets = new();
    private readonly List<InetDiagSocket> _unheld = new();

    public InetDiagParser(uint sequence, int maxSockets = 1_000_000)
        : base(sequence)
    {
        _maxSockets = maxSockets;
    }

    public IReadOnlyDictionary<ulong, InetDiagSocket> Sockets => _sockets;

    public IReadOnlyList<InetDiagSocket> Unheld => _unheld;

    /// <summary>The dump so far.</summary>
    public InetDiagDump ToDump(string? netNamespace = null)
    {
        (SocketProbeOutcome outcome, string? problem) = Result("TCP sockets");
        return new InetDiagDump(outcome, _sockets.ToImmutableDictionary(), _unheld.ToImmutableArray(), problem, netNamespace, Truncated);
    }

    protected override void OnSocket(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < INET_DIAG_MSG_SIZE || (payload[0] != AF_INET && payload[0] != AF_INET6))
        {
            SkippedMessages++;
            return;
        }
        if (_sockets.Count + _unheld.Count >= _maxSockets)
        {
            StopAtLimit($"the TCP socket dump stopped at {_maxSockets} sockets");
            return;
        }
        bool v6 = payload[0] == AF_INET6;
        SocketEndpoint local = Endpoint(payload, 8, 4, v6);
        SocketEndpoint remote = Endpoint(payload, 24, 6, v6);
        SkMemInfo? memory = null;
        TcpInfo? info = null;
        ForEachAttribute(payload[INET_DIAG_MSG_SIZE..], (type, value) =>
        {
            switch (type)
            {
                case INET_DIAG_SKMEMINFO:
                    memory = MemInfo(value);
                    break;
                case INET_DIAG_INFO:
                    info = ReadTcpInfo(value);
                    break;
            }
        });
        InetDiagSocket socket = new(
            U32(payload, 68),
            v6 ? SocketKind.Tcp6 : SocketKind.Tcp,
            (TcpState)payload[1],
            local,
            remote,
            (TcpTimer)payload[2],
            U32(payload, 56),
            U32(payload, 60),
            U32(payload, 64),
            memory,
            info);
        if (socket.Inode == 0)
        {
            _unheld.Add(socket);
        }
        else
        {
            _sockets[socket.Inode] = socket;
        }
    }

    /// <summary>Ports and addresses in inet_diag_sockid are in network byte order, whatever the host.</summary>
    private static SocketEndpoint Endpoint(ReadOnlySpan<byte> payload, int addressOffset, int portOffset, bool v6)
    {
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(payload.Slice(portOffset, 2));
        IPAddress address = new(payload.Slice(addressOffset, v6 ? 16 : 4));
        return new SocketEndpoint(address, port);
    }

    /// <summary>struct tcp_info: the fixed head up to tcpi_total_retrans (104 bytes) is required; later fields by length.</summary>
    private static TcpInfo? ReadTcpInfo(ReadOnlySpan<byte> value)
    {
        if (value.Length < 104)
        {
            return null;
        }
        return new TcpInfo(
            State: (TcpState)value[0],
            Retransmits: value[2],
            Probes: value[3],
            Backoff: value[4],
            RtoMicroseconds: U32(value, 8),
            Unacked: U32(value, 24),
            LastDataSentMilliseconds: U32(value, 44),
            LastDataReceivedMilliseconds: U32(value, 52),
            LastAckReceivedMilliseconds: U32(value, 56),
            ReceiveSpace: U32(value, 96),
            BytesAcked: U64At(value, 120),
            BytesReceived: U64At(value, 128),
            NotSentBytes: U32At(value, 144),
            ReceiveWindowLimitedMicroseconds: U64At(value, 176),
            SendBufferLimitedMicroseconds: U64At(value, 184),
            PeerWindow: U32At(value, 228));
    }

    private static uint? U32At(ReadOnlySpan<byte> value, int offset) => value.Length >= offset + 4 ? U32(value, offset) : null;

    private static ulong? U64At(ReadOnlySpan<byte> value, int offset) => value.Length >= offset + 8 ? U64(value, offset) : null;
}
