using ProcAudit.Capture.Sockets;
using static ProcAudit.Tests.Sockets.NetFixtures;

namespace ProcAudit.Tests.Sockets;

/// <summary>NetUnixFile on a unix table recorded with a socketpair, a listener on a path with spaces and an abstract socket.</summary>
public sealed class NetUnixFileTests
{
    private const string Header = "Num       RefCount Protocol Flags    Type St Inode Path";

    private static NetUnixRow Row(NetFileRows<NetUnixRow> rows, ulong inode) => Assert.Single(rows.Rows, r => r.Inode == inode);

    [Fact]
    public void RecordedTableHasEverySocket()
    {
        NetFileRows<NetUnixRow> rows = NetUnixFile.Parse(Read(UnixSocketpairFull, "unix"));

        Assert.Empty(rows.Skipped);
        Assert.Equal(9, rows.Rows.Length);
    }

    [Fact]
    public void ListenerPathKeepsItsSpaces()
    {
        NetFileRows<NetUnixRow> rows = NetUnixFile.Parse(Read(UnixSocketpairFull, "unix"));
        NetUnixRow listener = Row(rows, Inode(UnixSocketpairFull, "listener"));

        Assert.Equal("/tmp/procaudit-net-fixture/listen sock with spaces", listener.Path);
        Assert.Equal(Get(UnixSocketpairFull, "listenPath").GetString(), listener.Path);
        Assert.True(listener.IsListening);
        Assert.Equal("LISTENING", listener.StateName);
        Assert.Equal(UnixSocketType.Stream, listener.Type);
        Assert.Equal(0x10000u, listener.Flags);
        Assert.Equal(2u, listener.RefCount);
    }

    [Fact]
    public void AcceptedSocketShowsTheListenersPathAndTheQueuedOneHasInodeZero()
    {
        NetFileRows<NetUnixRow> rows = NetUnixFile.Parse(Read(UnixSocketpairFull, "unix"));
        NetUnixRow accepted = Row(rows, Inode(UnixSocketpairFull, "accepted"));
        NetUnixRow queued = Row(rows, 0);

        Assert.Equal("/tmp/procaudit-net-fixture/listen sock with spaces", accepted.Path);
        Assert.Equal("CONNECTED", accepted.StateName);
        // The server side of the connection nobody accepted: no file yet, so no inode.
        Assert.Equal("/tmp/procaudit-net-fixture/listen sock with spaces", queued.Path);
        Assert.Equal("CONNECTING", queued.StateName);
    }

    [Fact]
    public void SocketpairEndsAreUnboundAndConnected()
    {
        NetFileRows<NetUnixRow> rows = NetUnixFile.Parse(Read(UnixSocketpairFull, "unix"));

        foreach (string end in new[] { "pair.reader", "pair.writer" })
        {
            NetUnixRow row = Row(rows, Inode(UnixSocketpairFull, end));
            Assert.Null(row.Path);
            Assert.Equal(3, row.SocketState);
            Assert.False(row.IsListening);
        }
    }

    [Fact]
    public void AbstractNameHasALeadingAt()
    {
        NetFileRows<NetUnixRow> rows = NetUnixFile.Parse(Read(UnixSocketpairFull, "unix"));
        NetUnixRow dgram = Row(rows, Inode(UnixSocketpairFull, "dgram"));

        Assert.Equal("@procaudit-fixture-dgram", dgram.Path);
        Assert.Equal(UnixSocketType.Dgram, dgram.Type);
        Assert.Equal("UNCONNECTED", dgram.StateName);
    }

    [Fact]
    public void PathRunsToTheEndOfTheLine()
    {
        string text = Header + "\n0000000000000000: 00000002 00000000 00010000 0001 01  1234 /tmp/a  b c \n";

        NetUnixRow row = Assert.Single(NetUnixFile.Parse(text).Rows);

        Assert.Equal("/tmp/a  b c ", row.Path);
        Assert.Equal(1234UL, row.Inode);
    }

    [Fact]
    public void OldLayoutWithoutInodeColumn()
    {
        string text = "Num       RefCount Protocol Flags    Type St Path\n0000000000000000: 00000002 00000000 00010000 0001 01 /run/x.sock\n";

        NetUnixRow row = Assert.Single(NetUnixFile.Parse(text).Rows);

        Assert.Null(row.Inode);
        Assert.Equal("/run/x.sock", row.Path);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    public void EmptyTextIsOneNote(string text)
    {
        NetFileRows<NetUnixRow> rows = NetUnixFile.Parse(text);

        Assert.Empty(rows.Rows);
        Assert.Contains("empty", Assert.Single(rows.Skipped).Reason);
    }

    [Theory]
    [InlineData("00000000e5f9acec: 00000003 00000000", "truncated")]
    [InlineData("garbage", "truncated")]
    [InlineData("00000000e5f9acec: 00000003 00000000 0000000G 0001 03  1062", "hex")]
    [InlineData("00000000e5f9acec: 00000003 00000000 00000000 0001 03  10x2", "Inode")]
    [InlineData("00000000e5f9acec: 0000000Z 00000000 00000000 0001 03  1062", "RefCount")]
    [InlineData("00000000e5f9acec: 00000003 00000000 00000000 0001 1FF  1062", "hex")]
    public void BadRowIsSkippedAndTheOthersKept(string bad, string reason)
    {
        string text = Header + "\n" + bad + "\n000000000b87da40: 00000003 00000000 00000000 0001 03  1061\n";

        NetFileRows<NetUnixRow> rows = NetUnixFile.Parse(text);

        Assert.Equal(1061UL, Assert.Single(rows.Rows).Inode);
        SkippedRow skipped = Assert.Single(rows.Skipped);
        Assert.Equal(2, skipped.LineNumber);
        Assert.Contains(reason, skipped.Reason);
    }

    [Fact]
    public void HeaderWithoutTypeIsOneNote()
    {
        NetFileRows<NetUnixRow> rows = NetUnixFile.Parse("Num RefCount Protocol Flags St Inode Path\n0: 1 0 0 01 5 /x\n");

        Assert.Empty(rows.Rows);
        Assert.Contains("Type", Assert.Single(rows.Skipped).Reason);
    }

    [Fact]
    public void EveryPrefixOfTheRecordedTableParsesWithoutThrowing()
    {
        string text = Read(UnixSocketpairFull, "unix");
        for (int length = 0; length <= text.Length; length++)
        {
            NetFileRows<NetUnixRow> rows = NetUnixFile.Parse(text[..length]);
            Assert.True(rows.Rows.Length <= 9);
            Assert.True(rows.Skipped.Length <= 1);
        }
    }
}
