using System.Net;
using ProcAudit.Capture.Sockets;
using static ProcAudit.Tests.Sockets.NetFixtures;

namespace ProcAudit.Tests.Sockets;

/// <summary>NetTcpFile on tcp and tcp6 tables recorded from real loopback connections, and on odd text.</summary>
public sealed class NetTcpFileTests
{
    private const string Header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";

    private static NetTcpRow Row(NetFileRows<NetTcpRow> rows, ulong inode) => Assert.Single(rows.Rows, r => r.Inode == inode);

    [Fact]
    public void ReaderNotReadingTableHasEveryConnection()
    {
        NetFileRows<NetTcpRow> rows = NetTcpFile.Parse(Read(TcpReaderNotReading, "tcp"));

        Assert.Empty(rows.Skipped);
        // Listener, accepted end, its accept-queue sibling (inode 0), the blocked writer, the pending client.
        Assert.Equal(5, rows.Rows.Length);
    }

    [Fact]
    public void ListenerRecvQIsTheAcceptBacklog()
    {
        NetTcpRow listener = Row(NetTcpFile.Parse(Read(TcpReaderNotReading, "tcp")), Inode(TcpReaderNotReading, "listener"));

        Assert.Equal(new SocketEndpoint(IPAddress.Loopback, 40401), listener.Local);
        Assert.Equal(new SocketEndpoint(IPAddress.Any, 0), listener.Remote);
        Assert.Equal(TcpState.Listen, listener.State);
        Assert.Equal("LISTEN", listener.StateName);
        // One connection completed and never accepted; tx_queue of a listener is 0 on this kernel.
        Assert.Equal(1, listener.RxQueue);
        Assert.Equal(0, listener.TxQueue);
        Assert.Equal(0u, listener.Uid);
    }

    [Fact]
    public void BlockedWriterShowsSendQAndZeroWindowProbe()
    {
        NetFileRows<NetTcpRow> rows = NetTcpFile.Parse(Read(TcpReaderNotReading, "tcp"));
        NetTcpRow writer = Row(rows, Inode(TcpReaderNotReading, "writer"));
        NetTcpRow reader = Row(rows, Inode(TcpReaderNotReading, "accepted"));

        Assert.Equal("ESTABLISHED", writer.StateName);
        Assert.Equal(new SocketEndpoint(IPAddress.Loopback, (int)Long(TcpReaderNotReading, "writer.localPort")), writer.Local);
        Assert.Equal(new SocketEndpoint(IPAddress.Loopback, 40401), writer.Remote);
        // tx_queue is exactly what SIOCOUTQ said in the writer; rx_queue what SIOCINQ said in the reader.
        Assert.Equal(3791494, writer.TxQueue);
        Assert.Equal(Long(TcpReaderNotReading, "writer.siocoutq"), writer.TxQueue);
        Assert.Equal(0, writer.RxQueue);
        Assert.Equal(127973, reader.RxQueue);
        Assert.Equal(Long(TcpReaderNotReading, "accepted.siocinq"), reader.RxQueue);
        Assert.Equal(0, reader.TxQueue);
        // The reader's window is shut: the writer runs the zero-window probe timer, the reader none.
        Assert.Equal(TcpTimer.ZeroWindowProbe, writer.Timer);
        Assert.True(writer.ZeroWindowProbe);
        Assert.Equal(TcpTimer.None, reader.Timer);
        Assert.False(reader.ZeroWindowProbe);
    }

    [Fact]
    public void ConnectionInTheAcceptQueueHasInodeZero()
    {
        NetFileRows<NetTcpRow> rows = NetTcpFile.Parse(Read(TcpReaderNotReading, "tcp"));
        int pendingPort = (int)Long(TcpReaderNotReading, "pending.localPort");

        NetTcpRow queued = Assert.Single(rows.Rows, r => r.Remote.Port == pendingPort);
        NetTcpRow client = Row(rows, Inode(TcpReaderNotReading, "pending"));

        Assert.Equal(0UL, queued.Inode);
        Assert.Equal(TcpState.Established, queued.State);
        Assert.Equal(queued.Local, client.Remote);
        Assert.Equal(queued.Remote, client.Local);
    }

    [Fact]
    public void Tcp6ListenersAndIpv6Connection()
    {
        NetFileRows<NetTcpRow> rows = NetTcpFile.Parse(Read(Tcp6Loopback, "tcp6"));

        Assert.Empty(rows.Skipped);
        Assert.Equal(5, rows.Rows.Length);
        NetTcpRow v6Listener = Row(rows, Inode(Tcp6Loopback, "v6.listener"));
        NetTcpRow dualListener = Row(rows, Inode(Tcp6Loopback, "mapped.listener"));
        NetTcpRow server = Row(rows, Inode(Tcp6Loopback, "v6.server"));
        NetTcpRow client = Row(rows, Inode(Tcp6Loopback, "v6.client"));

        Assert.Equal(new SocketEndpoint(IPAddress.IPv6Loopback, 40601), v6Listener.Local);
        Assert.Equal(new SocketEndpoint(IPAddress.IPv6Any, 0), v6Listener.Remote);
        Assert.Equal(new SocketEndpoint(IPAddress.IPv6Any, 40602), dualListener.Local);
        Assert.Equal(TcpState.Listen, dualListener.State);
        Assert.Equal(5000, server.RxQueue);
        Assert.Equal(new SocketEndpoint(IPAddress.IPv6Loopback, (int)Long(Tcp6Loopback, "v6.client.localPort")), server.Remote);
        Assert.Equal(server.Local, client.Remote);
        Assert.Equal(0, client.TxQueue);
    }

    [Fact]
    public void Ipv4ClientOfDualStackListenerIsMappedInTcp6()
    {
        NetTcpRow server = Row(NetTcpFile.Parse(Read(Tcp6Loopback, "tcp6")), Inode(Tcp6Loopback, "mapped.server"));
        NetTcpRow client = Row(NetTcpFile.Parse(Read(Tcp6Loopback, "tcp")), Inode(Tcp6Loopback, "mapped.client"));

        Assert.Equal(new SocketEndpoint(IPAddress.Parse("::ffff:127.0.0.1"), 40602), server.Local);
        Assert.True(server.Local.Address.IsIPv4MappedToIPv6);
        Assert.Equal(new SocketEndpoint(IPAddress.Loopback, 40602), server.Local.Normalized);
        Assert.Equal("[::ffff:127.0.0.1]:40602", server.Local.ToString());
        Assert.Equal(3000, server.RxQueue);
        Assert.Equal(700, client.RxQueue);
        Assert.Equal(client.Local, server.Remote.Normalized);
    }

    [Fact]
    public void HeaderOnlyTablesHaveNoRows()
    {
        NetFileRows<NetTcpRow> rows = NetTcpFile.Parse(Read(UdpQueued, "tcp"));

        Assert.Empty(rows.Rows);
        Assert.Empty(rows.Skipped);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("   \n\n")]
    public void EmptyTextIsOneNote(string text)
    {
        NetFileRows<NetTcpRow> rows = NetTcpFile.Parse(text);

        Assert.Empty(rows.Rows);
        SkippedRow note = Assert.Single(rows.Skipped);
        Assert.Equal(1, note.LineNumber);
        Assert.Contains("empty", note.Reason);
    }

    [Fact]
    public void HeaderWithoutInodeColumnIsOneNote()
    {
        NetFileRows<NetTcpRow> rows = NetTcpFile.Parse("  sl  local_address rem_address   st tx_queue rx_queue\n   0: 0100007F:9DD1 00000000:0000 0A 00000000:00000001\n");

        Assert.Empty(rows.Rows);
        Assert.Contains("inode", Assert.Single(rows.Skipped).Reason);
    }

    [Theory]
    [InlineData("   0: 0100007F:9DD1 00000000:0000 0A 00000000:00000001", "truncated")]
    [InlineData("   0: 0100007F:9DD1", "truncated")]
    [InlineData("garbage", "truncated")]
    [InlineData("   0: ZZ00007F:9DD1 00000000:0000 0A 00000000:00000001 00:00000000 00000000     0        0 204438 2", "local_address")]
    [InlineData("   0: 0100007F:9DD1 0000000:0000 0A 00000000:00000001 00:00000000 00000000     0        0 204438 2", "remote")]
    [InlineData("   0: 0100007F:GGGG 00000000:0000 0A 00000000:00000001 00:00000000 00000000     0        0 204438 2", "local_address")]
    [InlineData("   0: 0100007F:9DD1 00000000:0000 XY 00000000:00000001 00:00000000 00000000     0        0 204438 2", "st")]
    [InlineData("   0: 0100007F:9DD1 00000000:0000 0A 00000000-00000001 00:00000000 00000000     0        0 204438 2", "tx_queue")]
    [InlineData("   0: 0100007F:9DD1 00000000:0000 0A 00000000:00000001 zz:00000000 00000000     0        0 204438 2", "tr")]
    [InlineData("   0: 0100007F:9DD1 00000000:0000 0A 00000000:00000001 00:00000000 00000000     0        0 -5 2", "inode")]
    [InlineData("   0: 0100007F:9DD1 00000000:0000 0A 00000000:00000001 00:00000000 00000000    me        0 204438 2", "uid")]
    [InlineData("   x: 0100007F:9DD1 00000000:0000 0A 00000000:00000001 00:00000000 00000000     0        0 204438 2", "sl")]
    public void BadRowIsSkippedAndTheOthersKept(string bad, string reason)
    {
        string good = "   1: 0100007F:A300 0100007F:9DD1 01 0039DA86:00000000 04:0000005F 00000000     0        0 203121 2 000000006d4a5614 20 0 0 15 -1";
        NetFileRows<NetTcpRow> rows = NetTcpFile.Parse(Header + "\n" + bad + "\n" + good + "\n");

        NetTcpRow row = Assert.Single(rows.Rows);
        Assert.Equal(203121UL, row.Inode);
        SkippedRow skipped = Assert.Single(rows.Skipped);
        Assert.Equal(2, skipped.LineNumber);
        Assert.Equal(bad, skipped.Text);
        Assert.Contains(reason, skipped.Reason);
    }

    [Fact]
    public void TheHeaderDecidesTheColumns()
    {
        // No sl and no uid column, timer without tm->when: the fields are found by the header words.
        string text = "local_address rem_address st tx_queue rx_queue tr inode\n"
            + "0100007F:0050 0100007F:C000 01 00000010:00000020 04 4242\n";

        NetTcpRow row = Assert.Single(NetTcpFile.Parse(text).Rows);

        Assert.Equal(new SocketEndpoint(IPAddress.Loopback, 80), row.Local);
        Assert.Equal(0x10, row.TxQueue);
        Assert.Equal(0x20, row.RxQueue);
        Assert.Equal(TcpTimer.ZeroWindowProbe, row.Timer);
        Assert.Null(row.Uid);
        Assert.Equal(4242UL, row.Inode);
    }

    [Fact]
    public void UnknownStateIsKeptAndNamed()
    {
        string text = Header + "\n   0: 0100007F:0050 0100007F:C000 2A 00000000:00000000 00:00000000 00000000     0        0 77 1\n";

        NetTcpRow row = Assert.Single(NetTcpFile.Parse(text).Rows);

        Assert.Equal("UNKNOWN(2A)", row.StateName);
    }

    [Fact]
    public void CrLfLinesParse()
    {
        string text = Read(TcpReaderNotReading, "tcp").Replace("\n", "\r\n");

        NetFileRows<NetTcpRow> rows = NetTcpFile.Parse(text);

        Assert.Equal(5, rows.Rows.Length);
        Assert.Empty(rows.Skipped);
    }

    [Fact]
    public void EveryPrefixOfARecordedTableParsesWithoutThrowing()
    {
        string text = Read(Tcp6Loopback, "tcp6");
        for (int length = 0; length <= text.Length; length++)
        {
            NetFileRows<NetTcpRow> rows = NetTcpFile.Parse(text[..length]);
            Assert.True(rows.Rows.Length <= 5);
            Assert.True(rows.Skipped.Length <= 1);
        }
    }

    [Fact]
    public void MangledTablesNeverThrow()
    {
        string text = Read(TcpReaderNotReading, "tcp");
        Random random = new(20261123);
        const string alphabet = "0123456789ABCDEFxyz: \n\t-";
        for (int round = 0; round < 2000; round++)
        {
            char[] chars = text.ToCharArray();
            for (int i = 0; i < 1 + random.Next(8); i++)
            {
                chars[random.Next(chars.Length)] = alphabet[random.Next(alphabet.Length)];
            }
            NetFileRows<NetTcpRow> rows = NetTcpFile.Parse(new string(chars));
            Assert.True(rows.Rows.Length + rows.Skipped.Length >= 1);
        }
    }
}
