using System.Collections.Immutable;

namespace ProcAudit.Capture.Sockets;

/// <summary>
/// Parser for /proc/PID/net/udp and /proc/PID/net/udp6 (proc(5); the layout of proc_net_tcp(5)
/// plus the columns ref, pointer and drops). Every UDP socket of PID's network namespace.
/// Never throws: a row it cannot read becomes a <see cref="SkippedRow"/>.
/// </summary>
internal static class NetUdpFile
{
    public static NetFileRows<NetUdpRow> Parse(string text)
    {
        NetFileRows<InetRow> raw = InetTableText.Parse(text);
        ImmutableArray<NetUdpRow> rows = raw.Rows
            .Select(r => new NetUdpRow(r.Local, r.Remote, r.State, r.TxQueue, r.RxQueue, r.Uid, r.Inode, r.Drops))
            .ToImmutableArray();
        return new NetFileRows<NetUdpRow>(rows, raw.Skipped);
    }
}
