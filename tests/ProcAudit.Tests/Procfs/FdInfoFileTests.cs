using System.Collections.Immutable;
using ProcAudit.Capture.Procfs;
using ProcAudit.Tests.Fixtures;

namespace ProcAudit.Tests.Procfs;

/// <summary>FdInfoFile on fdinfo files recorded from real descriptors: both ends of a pipe, /dev/null, an epoll set.</summary>
public sealed class FdInfoFileTests
{
    [Fact]
    public void ParentsReadEndOfChildsStdout()
    {
        // subprocess opens its ends O_CLOEXEC: flags 02000000 is O_RDONLY | O_CLOEXEC.
        FdInfoRecord? record = FdInfoFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.PipeOrderInversion, "17615/fdinfo/3"));

        Assert.Equal(new FdInfoRecord(0x80000, 70901, ImmutableArray<EpollWatch>.Empty), record);
        Assert.Equal("read", record!.Access);
    }

    [Fact]
    public void ChildsWriteEndOfTheSamePipe()
    {
        // The child's fd 1 after dup2: flags 01 is O_WRONLY, without O_CLOEXEC.
        FdInfoRecord? record = FdInfoFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.PipeOrderInversion, "17635/fdinfo/1"));

        Assert.Equal(new FdInfoRecord(0x1, 70901, ImmutableArray<EpollWatch>.Empty), record);
        Assert.Equal("write", record!.Access);
    }

    [Fact]
    public void BothEndsOfStderrPipe()
    {
        FdInfoRecord? reader = FdInfoFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.PipeOrderInversion, "17615/fdinfo/5"));
        FdInfoRecord? writer = FdInfoFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.PipeOrderInversion, "17635/fdinfo/2"));

        Assert.Equal(new FdInfoRecord(0x80000, 70902, ImmutableArray<EpollWatch>.Empty), reader);
        Assert.Equal(new FdInfoRecord(0x1, 70902, ImmutableArray<EpollWatch>.Empty), writer);
        Assert.Equal("read", reader!.Access);
        Assert.Equal("write", writer!.Access);
    }

    [Fact]
    public void OsPipeEndsInOneProcess()
    {
        // os.pipe() gives O_CLOEXEC ends: 02000000 for the read end, 02000001 for the write end.
        FdInfoRecord? read = FdInfoFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.Epoll, "17963/fdinfo/3"));
        FdInfoRecord? write = FdInfoFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.Epoll, "17963/fdinfo/4"));

        Assert.Equal(new FdInfoRecord(0x80000, 74940, ImmutableArray<EpollWatch>.Empty), read);
        Assert.Equal(new FdInfoRecord(0x80001, 74940, ImmutableArray<EpollWatch>.Empty), write);
        Assert.Equal("read", read!.Access);
        Assert.Equal("write", write!.Access);
    }

    [Fact]
    public void DevNullOpenForWriting()
    {
        // 0100001 is O_WRONLY | O_LARGEFILE; ino is /dev/null's inode on devtmpfs.
        FdInfoRecord? record = FdInfoFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.PipeOrderInversion, "17615/fdinfo/1"));

        Assert.Equal(new FdInfoRecord(0x8001, 3, ImmutableArray<EpollWatch>.Empty), record);
        Assert.Equal("write", record!.Access);
    }

    [Fact]
    public void EpollFdListsItsWatchedDescriptor()
    {
        // "tfd:        3 events:       1f data:                3  pos:0 ino:124bc sdev:f":
        // events and the watched file's inode are hex; 0x124bc is the pipe's inode 74940.
        FdInfoRecord? record = FdInfoFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.Epoll, "17963/fdinfo/5"));

        Assert.NotNull(record);
        Assert.Equal(0x80002u, record.Flags);
        Assert.Equal("readwrite", record.Access);
        Assert.Equal(1038UL, record.Inode);
        Assert.Equal(new EpollWatch(3, 0x1f, 74940) { Data = 3 }, Assert.Single(record.Watches));
    }

    [Fact]
    public void EpollDataKeepsGosPollDescPointer()
    {
        // A line of a Go 1.19 program's epoll fdinfo, copied from this machine: the data is the pollDesc's address.
        const string text = "pos:\t0\nflags:\t02000002\nmnt_id:\t17\nino:\t1038\ntfd:        4 events: 8000201d data:     7f674f474d98  pos:0 ino:2a5de5 sdev:9\n";

        EpollWatch watch = Assert.Single(FdInfoFile.Parse(text)!.Watches);

        Assert.Equal(4, watch.Fd);
        Assert.Equal(0x8000201du, watch.Events);
        Assert.Equal(0x7f674f474d98UL, watch.Data);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("garbage")]
    [InlineData("flags:")]
    [InlineData("flags:\t")]
    [InlineData("flags:\t0128")]
    [InlineData("flags:\t-1")]
    [InlineData("pos:\t0\nmnt_id:\t16\nino:\t70901\n")]
    [InlineData("tfd:        3 events:       1f data:                3  pos:0 ino:124bc sdev:f\n")]
    public void OddTextWithoutValidFlagsGivesNull(string text)
    {
        Assert.Null(FdInfoFile.Parse(text));
    }

    [Theory]
    [InlineData("flags:\t02\ntfd:\n")]
    [InlineData("flags:\t02\ntfd: x events: 1f\n")]
    [InlineData("flags:\t02\ntfd:        3 events:\n")]
    [InlineData("flags:\t02\ntfd:        3 events: zz ino:\n")]
    [InlineData("flags:\t02\nino:\tnot-a-number\n")]
    public void OddLinesAfterValidFlagsDoNotThrow(string text)
    {
        FdInfoRecord? record = FdInfoFile.Parse(text);

        Assert.NotNull(record);
        Assert.Equal(2u, record.Flags);
    }

    [Fact]
    public void EveryPrefixOfARecordedEpollFdinfoParsesOrGivesNull()
    {
        string text = RecordedFixtures.ReadProc(RecordedFixtures.Epoll, "17963/fdinfo/5");
        FdInfoRecord? whole = FdInfoFile.Parse(text);
        Assert.NotNull(whole);
        Assert.Single(whole.Watches);

        for (int length = 0; length < text.Length; length++)
        {
            FdInfoRecord? record = FdInfoFile.Parse(text[..length]);
            Assert.True(record is null || record.Watches.Length <= 1, $"the first {length} characters parsed with {record?.Watches.Length} watches");
        }
    }

    [Fact]
    public void An_eventfd_names_its_counter_and_count()
    {
        FdInfoRecord? record = FdInfoFile.Parse(RecordedFixtures.ReadProc("eventfd-handshake-python", "31855/fdinfo/3"));

        Assert.Equal(new EventfdCounter(1, 0, false), record!.Eventfd);
        Assert.Equal("readwrite", record.Access);
    }

    [Fact]
    public void An_eventfd_count_is_hexadecimal()
    {
        // As the kernel writes it (fs/eventfd.c, "%16llx"), seen from os.eventfd(26, os.EFD_SEMAPHORE).
        FdInfoRecord? record = FdInfoFile.Parse("pos:\t0\nflags:\t02\nmnt_id:\t17\nino:\t26\neventfd-count:               1a\neventfd-id: 7\neventfd-semaphore: 1\n");

        Assert.Equal(new EventfdCounter(7, 26, true), record!.Eventfd);
    }

    [Fact]
    public void A_pipe_has_no_counter()
    {
        Assert.Null(FdInfoFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.PipeOrderInversion, "17615/fdinfo/3"))!.Eventfd);
    }
}
