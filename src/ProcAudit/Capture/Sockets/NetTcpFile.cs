using System.Collections.Immutable;

namespace ProcAudit.Capture.Sockets;

/// <summary>
/// Parser for /proc/PID/net/tcp and /proc/PID/net/tcp6 (proc_net_tcp(5), proc(5)); both have one
/// layout, tcp6 with 128-bit addresses. The tables list every TCP socket of the network namespace
/// of PID, not only PID's. Never throws: a row it cannot read becomes a <see cref="SkippedRow"/>.
/// </summary>
internal static class NetTcpFile
{
    public static NetFileRows<NetTcpRow> Parse(string text)
    {
        NetFileRows<InetRow> raw = InetTableText.Parse(text);
        ImmutableArray<NetTcpRow> rows = raw.Rows
            .Select(r => new NetTcpRow(r.Local, r.Remote, r.State, r.TxQueue, r.RxQueue, (TcpTimer)r.Timer, r.Uid, r.Inode))
            .ToImmutableArray();
        return new NetFileRows<NetTcpRow>(rows, raw.Skipped);
    }
}
