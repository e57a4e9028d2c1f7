using System.Collections.Immutable;
using System.Text;
using static ProcAudit.Capture.Native.Native;

namespace ProcAudit.Capture.Sockets;

/// <summary>
/// Reads the replies to a SOCK_DIAG_BY_FAMILY dump of AF_UNIX (sock_diag(7)), one datagram at a
/// time: per message a unix_diag_msg (family u8, type u8, state u8, pad u8, ino u32, cookie u32[2])
/// followed by the UNIX_DIAG_* attributes asked for. Framing, errors and byte order: <see cref="SockDiagParser"/>.
/// </summary>
internal sealed class UnixDiagParser : SockDiagParser
{
    private readonly int _maxSockets;
    private readonly Dictionary<ulong, UnixDiagSocket> _sockets = new();

    /// <param name="sequence">The request's nlmsg_seq.</param>
    /// <param name="maxSockets">Stop (<see cref="SockDiagParser.Truncated"/>) after this many sockets.</param>
    public UnixDiagParser(uint sequence, int maxSockets = 1_000_000)
        : base(sequence)
    {
        _maxSockets = maxSockets;
    }

    /// <summary>The dump so far.</summary>
    public UnixDiagDump ToDump(string? netNamespace = null)
    {
        (SocketProbeOutcome outcome, string? problem) = Result("unix sockets");
        return new UnixDiagDump(outcome, _sockets.ToImmutableDictionary(), problem, netNamespace, Truncated, Interrupted);
    }

    /// <summary>A whole recorded dump, one datagram per element.</summary>
    public static UnixDiagDump Parse(IEnumerable<byte[]> datagrams, uint sequence, string? netNamespace = null)
    {
        UnixDiagParser parser = new(sequence);
        foreach (byte[] datagram in datagrams)
        {
            if (parser.Feed(datagram))
            {
                break;
            }
        }
        return parser.ToDump(netNamespace);
    }

    protected override void OnSocket(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < UNIX_DIAG_MSG_SIZE || payload[0] != AF_UNIX)
        {
            SkippedMessages++;
            return;
        }
        if (_sockets.Count >= _maxSockets)
        {
            StopAtLimit($"the unix socket dump stopped at {_maxSockets} sockets");
            return;
        }
        ulong inode = U32(payload, 4);
        ulong? peer = null;
        long? rqueue = null;
        long? wqueue = null;
        SkMemInfo? memory = null;
        string? name = null;
        ForEachAttribute(payload[UNIX_DIAG_MSG_SIZE..], (type, value) =>
        {
            switch (type)
            {
                case UNIX_DIAG_NAME:
                    name = DecodeName(value);
                    break;
                case UNIX_DIAG_PEER when value.Length >= 4:
                    peer = U32(value, 0);
                    break;
                case UNIX_DIAG_RQLEN when value.Length >= 8:
                    rqueue = U32(value, 0);
                    wqueue = U32(value, 4);
                    break;
                case UNIX_DIAG_MEMINFO:
                    memory = MemInfo(value);
                    break;
            }
        });
        _sockets[inode] = new UnixDiagSocket(inode, (UnixSocketType)payload[1], (TcpState)payload[2], peer, rqueue, wqueue, memory, name);
    }

    /// <summary>sun_path bytes: a path up to its NUL, or an abstract name (leading NUL) shown as /proc/net/unix does.</summary>
    private static string? DecodeName(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return null;
        }
        if (value[0] == 0)
        {
            return "@" + Encoding.UTF8.GetString(value[1..]).Replace('\0', '@');
        }
        int end = value.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? value : value[..end]);
    }
}
