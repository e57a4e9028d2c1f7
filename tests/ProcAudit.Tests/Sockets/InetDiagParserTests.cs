using System.Collections.Immutable;
using System.Net;
using ProcAudit.Capture.Sockets;
using static ProcAudit.Tests.Sockets.NetFixtures;

namespace ProcAudit.Tests.Sockets;

/// <summary>InetDiagParser on the TCP sock_diag dump recorded with the tcp-reader-not-reading scenario.</summary>
public sealed class InetDiagParserTests
{
    /// <summary>Both recorded dumps (IPv4, then IPv6) in one.</summary>
    internal static InetDiagDump Recorded()
    {
        IReadOnlyList<byte[]> datagrams = DiagDatagrams(TcpReaderNotReading, "tcp-diag.hex");
        InetDiagParser v4 = new(TcpDiagSequenceV4);
        InetDiagParser v6 = new(TcpDiagSequenceV6);
        foreach (byte[] datagram in datagrams)
        {
            v4.Feed(datagram);
            v6.Feed(datagram);
        }
        InetDiagDump first = v4.ToDump();
        InetDiagDump second = v6.ToDump();
        Assert.Equal(SocketProbeOutcome.Ok, first.Outcome);
        Assert.Equal(SocketProbeOutcome.Ok, second.Outcome);
        Assert.Empty(second.Sockets);
        return first;
    }

    [Fact]
    public void DumpHasTheSameSocketsAsProcNetTcp()
    {
        InetDiagDump dump = Recorded();
        ImmutableArray<NetTcpRow> rows = NetTcpFile.Parse(Read(TcpReaderNotReading, "tcp")).Rows;

        Assert.Equal(rows.Where(r => r.Inode != 0).Select(r => r.Inode).ToHashSet(), dump.Sockets.Keys.ToHashSet());
        InetDiagSocket queued = Assert.Single(dump.Unheld);
        Assert.Equal((int)Long(TcpReaderNotReading, "pending.localPort"), queued.Remote.Port);
        foreach (NetTcpRow row in rows.Where(r => r.Inode != 0))
        {
            InetDiagSocket socket = dump.Sockets[row.Inode];
            Assert.Equal(row.Local, socket.Local);
            Assert.Equal(row.Remote, socket.Remote);
            Assert.Equal(row.State, socket.State);
            Assert.Equal(row.Timer, socket.Timer);
            Assert.Equal(row.RxQueue, socket.RecvQueue);
            if (row.State != TcpState.Listen)
            {
                Assert.Equal(row.TxQueue, socket.SendQueue);
            }
        }
    }

    [Fact]
    public void ListenerWqueueIsTheBacklogLimit()
    {
        InetDiagSocket listener = Recorded().Sockets[Inode(TcpReaderNotReading, "listener")];

        Assert.Equal(TcpState.Listen, listener.State);
        Assert.Equal(new SocketEndpoint(IPAddress.Loopback, 40401), listener.Local);
        Assert.Equal(1, listener.RecvQueue);
        // listen(4).
        Assert.Equal(4, listener.SendQueue);
    }

    [Fact]
    public void BlockedWriterSeesAZeroWindowAndNothingSent()
    {
        InetDiagSocket writer = Recorded().Sockets[Inode(TcpReaderNotReading, "writer")];
        TcpInfo info = writer.Info!;

        Assert.Equal(TcpTimer.ZeroWindowProbe, writer.Timer);
        Assert.Equal(3791494, writer.SendQueue);
        // The reader advertises a zero window: all of Send-Q waits unsent, and sending has been
        // stopped by the receive window for 2.2 s of the connection's life.
        Assert.Equal(0u, info.PeerWindow);
        Assert.Equal(3791494u, info.NotSentBytes);
        Assert.Equal(2212000UL, info.ReceiveWindowLimitedMicroseconds);
        Assert.Equal(3, info.Backoff);
        Assert.Equal(TcpState.Established, info.State);
        Assert.Equal(new SkMemInfo(0, 131072, 0, 4194304, 2810, 3859718, 0, 0, 0), writer.Memory);
    }

    [Fact]
    public void ReaderHoldsTheUnreadBytesInItsReceiveMemory()
    {
        InetDiagSocket reader = Recorded().Sockets[Inode(TcpReaderNotReading, "accepted")];

        Assert.Equal(127973, reader.RecvQueue);
        Assert.Equal(130469u, reader.Memory!.RmemAlloc);
        Assert.Equal(131072u, reader.Memory.RcvBuf);
        Assert.Equal(65536u, reader.Info!.PeerWindow);
    }

    [Fact]
    public void EveryPrefixOfTheRecordedDatagramParsesWithoutThrowing()
    {
        byte[] first = DiagDatagrams(TcpReaderNotReading, "tcp-diag.hex")[0];
        for (int length = 0; length <= first.Length; length++)
        {
            InetDiagParser parser = new(TcpDiagSequenceV4);
            parser.Feed(first.AsSpan(0, length));
            Assert.True(parser.ToDump().Sockets.Count <= 4);
        }
    }

    [Fact]
    public void CorruptedBytesNeverThrow()
    {
        byte[] first = DiagDatagrams(TcpReaderNotReading, "tcp-diag.hex")[0];
        Random random = new(1123);
        for (int round = 0; round < 3000; round++)
        {
            byte[] copy = (byte[])first.Clone();
            for (int i = 0; i < 1 + random.Next(6); i++)
            {
                copy[random.Next(copy.Length)] = (byte)random.Next(256);
            }
            InetDiagParser parser = new(TcpDiagSequenceV4);
            parser.Feed(copy);
            InetDiagDump dump = parser.ToDump();
            Assert.True(dump.Sockets.Count + dump.Unheld.Length <= 5);
        }
    }
}
