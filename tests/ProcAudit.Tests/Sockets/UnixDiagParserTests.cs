using System.Buffers.Binary;
using ProcAudit.Capture.Sockets;
using static ProcAudit.Tests.Sockets.NetFixtures;

namespace ProcAudit.Tests.Sockets;

/// <summary>UnixDiagParser on the sock_diag dump recorded with the unix-socketpair-full scenario, and on made-up bytes.</summary>
public sealed class UnixDiagParserTests
{
    private static UnixDiagDump Recorded() => UnixDiagParser.Parse(DiagDatagrams(UnixSocketpairFull), DiagSequence);

    private static UnixDiagSocket Socket(UnixDiagDump dump, string manifestPath) => dump.Sockets[Inode(UnixSocketpairFull, manifestPath)];

    [Fact]
    public void RecordedDumpListsEveryInodeOfTheNamespace()
    {
        UnixDiagDump dump = Recorded();

        Assert.Equal(SocketProbeOutcome.Ok, dump.Outcome);
        Assert.Null(dump.Problem);
        Assert.False(dump.Truncated);
        Assert.False(dump.Interrupted);
        // Every socket of /proc/net/unix except the one with inode 0, still in the accept queue.
        HashSet<ulong> table = NetUnixFile.Parse(Read(UnixSocketpairFull, "unix")).Rows.Select(r => r.Inode!.Value).Where(i => i != 0).ToHashSet();
        Assert.Equal(table, dump.Sockets.Keys.ToHashSet());
        Assert.Equal(8, dump.Sockets.Count);
    }

    [Fact]
    public void SocketpairEndsNameEachOtherAndTheReadersQueueHoldsTheBytes()
    {
        UnixDiagDump dump = Recorded();
        UnixDiagSocket reader = Socket(dump, "pair.reader");
        UnixDiagSocket writer = Socket(dump, "pair.writer");

        Assert.Equal(writer.Inode, reader.PeerInode);
        Assert.Equal(reader.Inode, writer.PeerInode);
        Assert.Equal(TcpState.Established, reader.State);
        Assert.Equal(UnixSocketType.Stream, reader.Type);
        // 300 KiB written, the writer blocked: rqueue is the unread bytes (what SIOCINQ said), wqueue
        // the writer's send memory in truesize (what SIOCOUTQ said).
        Assert.Equal(219264, reader.RecvQueue);
        Assert.Equal(Long(UnixSocketpairFull, "pair.reader.siocinq"), reader.RecvQueue);
        Assert.Equal(0, reader.SendQueue);
        Assert.Equal(0, writer.RecvQueue);
        Assert.Equal(222720, writer.SendQueue);
        Assert.Equal(Long(UnixSocketpairFull, "pair.writer.siocoutq"), writer.SendQueue);
        Assert.True(reader.RecvQueue < Long(UnixSocketpairFull, "pair.written"));
        // The bytes are charged to the writer's send memory, not to the reader's receive memory.
        Assert.Equal(new SkMemInfo(0, 212992, 222720, 212992, 0, 0, 0, 0, 0), writer.Memory);
        Assert.Equal(0u, reader.Memory!.RmemAlloc);
        Assert.Null(reader.Name);
    }

    [Fact]
    public void ListenerQueuesAreThePendingCountAndTheBacklogLimit()
    {
        UnixDiagSocket listener = Socket(Recorded(), "listener");

        Assert.Equal(TcpState.Listen, listener.State);
        Assert.Equal(1, listener.RecvQueue);
        // listen(8).
        Assert.Equal(8, listener.SendQueue);
        Assert.Null(listener.PeerInode);
        Assert.Equal("/tmp/procaudit-net-fixture/listen sock with spaces", listener.Name);
    }

    [Fact]
    public void AcceptedConnectionAndTheOneStillQueued()
    {
        UnixDiagDump dump = Recorded();
        UnixDiagSocket accepted = Socket(dump, "accepted");
        UnixDiagSocket connected = Socket(dump, "connected");
        UnixDiagSocket pending = Socket(dump, "pending");

        Assert.Equal(connected.Inode, accepted.PeerInode);
        Assert.Equal(accepted.Inode, connected.PeerInode);
        Assert.Equal(1000, accepted.RecvQueue);
        Assert.Equal(2304, connected.SendQueue);
        Assert.Equal("/tmp/procaudit-net-fixture/listen sock with spaces", accepted.Name);
        // The client of the unaccepted connection has a peer with no inode yet.
        Assert.Equal(0UL, pending.PeerInode);
        Assert.Equal(TcpState.Established, pending.State);
    }

    [Fact]
    public void DatagramSocketShowsTheFirstDatagramOnly()
    {
        UnixDiagDump dump = Recorded();
        UnixDiagSocket dgram = Socket(dump, "dgram");
        UnixDiagSocket sender = Socket(dump, "dgramSender");

        Assert.Equal("@procaudit-fixture-dgram", dgram.Name);
        Assert.Equal(UnixSocketType.Dgram, dgram.Type);
        Assert.Equal(TcpState.Close, dgram.State);
        // Three 100-byte datagrams queued: rqueue is the first one's size; the sender is charged 3 x 768.
        Assert.Equal(100, dgram.RecvQueue);
        Assert.Equal(3 * 768, sender.SendQueue);
        Assert.Null(sender.PeerInode);
    }

    [Fact]
    public void NoDatagramsIsAFailure()
    {
        UnixDiagDump dump = UnixDiagParser.Parse(Array.Empty<byte[]>(), 1);

        Assert.Equal(SocketProbeOutcome.Failed, dump.Outcome);
        Assert.Contains("NLMSG_DONE", dump.Problem);
    }

    [Theory]
    [InlineData(2, "Unsupported")]
    [InlineData(22, "Unsupported")]
    [InlineData(1, "Denied")]
    [InlineData(13, "Denied")]
    [InlineData(12, "Failed")]
    public void ErrorReplyMapsToAnOutcome(int errno, string expected)
    {
        SocketProbeOutcome outcome = Enum.Parse<SocketProbeOutcome>(expected);
        byte[] error = Message(2, 7, payload: Int32(-errno).Concat(new byte[16]).ToArray());

        UnixDiagDump dump = UnixDiagParser.Parse(new[] { error }, 7);

        Assert.Equal(outcome, dump.Outcome);
        Assert.Empty(dump.Sockets);
        Assert.Contains("errno " + errno, dump.Problem);
    }

    [Fact]
    public void NegativeDoneIsAnError()
    {
        UnixDiagDump dump = UnixDiagParser.Parse(new[] { Message(3, 1, Int32(-1)) }, 1);

        Assert.Equal(SocketProbeOutcome.Denied, dump.Outcome);
    }

    [Fact]
    public void AcknowledgementIsNotAnError()
    {
        UnixDiagDump dump = UnixDiagParser.Parse(new[] { Message(2, 1, Int32(0)), Message(3, 1, Int32(0)) }, 1);

        Assert.Equal(SocketProbeOutcome.Ok, dump.Outcome);
        Assert.Empty(dump.Sockets);
    }

    [Fact]
    public void OtherSequenceNumbersAreIgnored()
    {
        byte[] first = DiagDatagrams(UnixSocketpairFull)[0];

        UnixDiagDump dump = UnixDiagParser.Parse(new[] { first, Message(3, 1, Int32(0)) }, 99);

        Assert.Equal(SocketProbeOutcome.Failed, dump.Outcome);
        Assert.Empty(dump.Sockets);
    }

    [Fact]
    public void MessageLongerThanItsDatagramEndsTheDumpKeepingWhatCameBefore()
    {
        byte[] first = DiagDatagrams(UnixSocketpairFull)[0];
        byte[] broken = first.Concat(Message(20, 1, new byte[40])).ToArray();
        // Claim 200 bytes where 56 are left.
        WriteU32(broken, first.Length, 200);

        UnixDiagDump dump = UnixDiagParser.Parse(new[] { broken }, 1);

        Assert.Equal(SocketProbeOutcome.Failed, dump.Outcome);
        Assert.Contains("malformed", dump.Problem);
        Assert.Equal(8, dump.Sockets.Count);
    }

    [Fact]
    public void BrokenAttributeKeepsTheSocket()
    {
        // unix_diag_msg for inode 4711, then a PEER attribute, then an attribute claiming 300 bytes.
        byte[] msg = new byte[16];
        msg[0] = 1;
        msg[1] = 1;
        msg[2] = 1;
        WriteU32(msg, 4, 4711);
        byte[] payload = msg.Concat(Attribute(2, Int32(4712))).Concat(new byte[] { 44, 1, 4, 0, 0, 0, 0, 0 }).ToArray();
        UnixDiagParser parser = new(1);

        parser.Feed(Message(20, 1, payload));
        parser.Feed(Message(3, 1, Int32(0)));
        UnixDiagDump dump = parser.ToDump();

        Assert.Equal(SocketProbeOutcome.Ok, dump.Outcome);
        Assert.Equal(4712UL, dump.Sockets[4711].PeerInode);
        Assert.Null(dump.Sockets[4711].RecvQueue);
        Assert.Equal(1, parser.SkippedMessages);
    }

    [Fact]
    public void ShortMemInfoLeavesLaterFieldsNull()
    {
        byte[] msg = new byte[16];
        msg[0] = 1;
        msg[1] = 2;
        msg[2] = 7;
        WriteU32(msg, 4, 10);
        byte[] memInfo = Int32(1).Concat(Int32(2)).Concat(Int32(3)).Concat(Int32(4)).Concat(Int32(5)).ToArray();

        UnixDiagDump dump = UnixDiagParser.Parse(new[] { Message(20, 1, msg.Concat(Attribute(5, memInfo)).ToArray()), Message(3, 1, Int32(0)) }, 1);

        Assert.Equal(new SkMemInfo(1, 2, 3, 4, 5, null, null, null, null), dump.Sockets[10].Memory);
    }

    [Fact]
    public void InterruptedDumpIsFlagged()
    {
        byte[] done = Message(3, 1, Int32(0));
        // NLM_F_MULTI | NLM_F_DUMP_INTR.
        WriteU16(done, 6, 0x12);

        UnixDiagDump dump = UnixDiagParser.Parse(new[] { done }, 1);

        Assert.True(dump.Interrupted);
        Assert.Equal(SocketProbeOutcome.Ok, dump.Outcome);
        Assert.Contains("NLM_F_DUMP_INTR", dump.Problem);
    }

    [Fact]
    public void SocketLimitTruncates()
    {
        UnixDiagParser parser = new(1, maxSockets: 3);
        foreach (byte[] datagram in DiagDatagrams(UnixSocketpairFull))
        {
            if (parser.Feed(datagram))
            {
                break;
            }
        }
        UnixDiagDump dump = parser.ToDump();

        Assert.True(dump.Truncated);
        Assert.Equal(SocketProbeOutcome.Ok, dump.Outcome);
        Assert.Equal(3, dump.Sockets.Count);
    }

    [Fact]
    public void EveryPrefixOfTheRecordedDatagramParsesWithoutThrowing()
    {
        byte[] first = DiagDatagrams(UnixSocketpairFull)[0];
        for (int length = 0; length <= first.Length; length++)
        {
            UnixDiagParser parser = new(1);
            parser.Feed(first.AsSpan(0, length));
            UnixDiagDump dump = parser.ToDump();
            Assert.True(dump.Sockets.Count <= 8);
        }
    }

    [Fact]
    public void CorruptedBytesNeverThrow()
    {
        byte[] first = DiagDatagrams(UnixSocketpairFull)[0];
        Random random = new(4711);
        for (int round = 0; round < 5000; round++)
        {
            byte[] copy = (byte[])first.Clone();
            for (int i = 0; i < 1 + random.Next(6); i++)
            {
                copy[random.Next(copy.Length)] = (byte)random.Next(256);
            }
            UnixDiagParser parser = new(1);
            parser.Feed(copy);
            Assert.True(parser.ToDump().Sockets.Count <= 8);
        }
    }

    private static byte[] Message(ushort type, uint sequence, byte[] payload)
    {
        byte[] message = new byte[16 + ((payload.Length + 3) & ~3)];
        WriteU32(message, 0, (uint)(16 + payload.Length));
        WriteU16(message, 4, type);
        WriteU16(message, 6, 2);
        WriteU32(message, 8, sequence);
        payload.CopyTo(message, 16);
        return message;
    }

    private static byte[] Attribute(ushort type, byte[] value)
    {
        byte[] attribute = new byte[4 + ((value.Length + 3) & ~3)];
        WriteU16(attribute, 0, (ushort)(4 + value.Length));
        WriteU16(attribute, 2, type);
        value.CopyTo(attribute, 4);
        return attribute;
    }

    private static byte[] Int32(int value)
    {
        byte[] bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return bytes;
    }

    private static void WriteU32(byte[] data, int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(offset), value);

    private static void WriteU16(byte[] data, int offset, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(offset), value);
}
