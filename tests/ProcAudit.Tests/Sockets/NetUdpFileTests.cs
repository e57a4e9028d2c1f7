using System.Net;
using ProcAudit.Capture.Sockets;
using static ProcAudit.Tests.Sockets.NetFixtures;

namespace ProcAudit.Tests.Sockets;

/// <summary>NetUdpFile on udp and udp6 tables recorded with datagrams left unread, and on odd text.</summary>
public sealed class NetUdpFileTests
{
    private static NetUdpRow Row(NetFileRows<NetUdpRow> rows, ulong inode) => Assert.Single(rows.Rows, r => r.Inode == inode);

    [Fact]
    public void QueuedDatagramsCountInTruesize()
    {
        NetFileRows<NetUdpRow> rows = NetUdpFile.Parse(Read(UdpQueued, "udp"));
        NetUdpRow receiver = Row(rows, Inode(UdpQueued, "v4.receiver"));

        Assert.Empty(rows.Skipped);
        Assert.Equal(4, rows.Rows.Length);
        Assert.Equal(new SocketEndpoint(IPAddress.Loopback, 40701), receiver.Local);
        Assert.Equal("CLOSE", receiver.StateName);
        // Five 100-byte datagrams: rx_queue is receive memory, 832 bytes of truesize each.
        Assert.Equal(5 * 832, receiver.RxQueue);
        Assert.Equal(0, receiver.TxQueue);
        Assert.Equal(0, receiver.Drops);
        // SIOCINQ on a UDP socket gives only the next datagram's size.
        Assert.Equal(100, Long(UdpQueued, "v4.receiver.siocinq"));
    }

    [Fact]
    public void ConnectedSenderIsEstablished()
    {
        NetUdpRow sender = Row(NetUdpFile.Parse(Read(UdpQueued, "udp")), Inode(UdpQueued, "v4.sender"));

        Assert.Equal(TcpState.Established, sender.State);
        Assert.Equal(new SocketEndpoint(IPAddress.Loopback, 40701), sender.Remote);
        Assert.Equal(new SocketEndpoint(IPAddress.Loopback, (int)Long(UdpQueued, "v4.sender.localPort")), sender.Local);
    }

    [Fact]
    public void FullReceiveBufferCountsDrops()
    {
        NetUdpRow small = Row(NetUdpFile.Parse(Read(UdpQueued, "udp")), Inode(UdpQueued, "small.receiver"));

        // SO_RCVBUF 2048 (doubled to 4096 by the kernel): 3840 bytes queued, 97 of 100 datagrams dropped.
        Assert.Equal(4096, Long(UdpQueued, "small.receiver.rcvbuf"));
        Assert.Equal(3840, small.RxQueue);
        Assert.Equal(97, small.Drops);
    }

    [Fact]
    public void Udp6Receiver()
    {
        NetFileRows<NetUdpRow> rows = NetUdpFile.Parse(Read(UdpQueued, "udp6"));
        NetUdpRow receiver = Row(rows, Inode(UdpQueued, "v6.receiver"));

        Assert.Equal(2, rows.Rows.Length);
        Assert.Equal(new SocketEndpoint(IPAddress.IPv6Loopback, 40703), receiver.Local);
        Assert.Equal(2 * 1280, receiver.RxQueue);
        Assert.Equal(0, receiver.Drops);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage\n")]
    public void OddTablesAreNotes(string text)
    {
        NetFileRows<NetUdpRow> rows = NetUdpFile.Parse(text);

        Assert.Empty(rows.Rows);
        Assert.Single(rows.Skipped);
    }

    [Fact]
    public void BadDropsIsSkippedAndTheOthersKept()
    {
        string[] lines = Read(UdpQueued, "udp").Split('\n');
        lines[1] = lines[1].TrimEnd()[..^1] + "x";

        NetFileRows<NetUdpRow> rows = NetUdpFile.Parse(string.Join('\n', lines));

        Assert.Equal(3, rows.Rows.Length);
        Assert.Contains("drops", Assert.Single(rows.Skipped).Reason);
    }

    [Fact]
    public void TableWithoutDropsColumnHasNullDrops()
    {
        string text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
            + " 4416: 0100007F:9EFD 00000000:0000 07 00000000:00001040 00:00000000 00000000     0        0 203377\n";

        NetUdpRow row = Assert.Single(NetUdpFile.Parse(text).Rows);

        Assert.Null(row.Drops);
        Assert.Equal(0x1040, row.RxQueue);
    }
}
