using ProcAudit.Capture.Procfs;
using ProcAudit.Tests.Fixtures;

namespace ProcAudit.Tests.Procfs;

/// <summary>FdLink on fd symlinks recorded from real processes (git keeps them as dangling symlinks).</summary>
public sealed class FdLinkTests
{
    [Fact]
    public void PipeLinkGivesInode()
    {
        string target = RecordedFixtures.ReadLink(RecordedFixtures.PipeOrderInversion, "17615/fd/3");

        Assert.Equal("pipe:[70901]", target);
        Assert.Equal(new FdTarget(FdKind.Pipe, 70901), FdLink.Classify(target));
    }

    [Fact]
    public void BothEndsOfAPipeNameTheSameInode()
    {
        FdTarget reader = FdLink.Classify(RecordedFixtures.ReadLink(RecordedFixtures.PipeOrderInversion, "17615/fd/5"));
        FdTarget writer = FdLink.Classify(RecordedFixtures.ReadLink(RecordedFixtures.PipeOrderInversion, "17635/fd/2"));

        Assert.Equal(new FdTarget(FdKind.Pipe, 70902), reader);
        Assert.Equal(reader, writer);
    }

    [Fact]
    public void OrphanHoldsTheShellsPipeAsStdout()
    {
        FdTarget orphan = FdLink.Classify(RecordedFixtures.ReadLink(RecordedFixtures.LeakedWriteEnd, "17785/fd/1"));
        FdTarget shell = FdLink.Classify(RecordedFixtures.ReadLink(RecordedFixtures.LeakedWriteEnd, "17778/fd/3"));

        Assert.Equal(new FdTarget(FdKind.Pipe, 71605), orphan);
        Assert.Equal(orphan, shell);
    }

    [Fact]
    public void EpollLinkIsEventpoll()
    {
        string target = RecordedFixtures.ReadLink(RecordedFixtures.Epoll, "17963/fd/5");

        Assert.Equal("anon_inode:[eventpoll]", target);
        Assert.Equal(new FdTarget(FdKind.Eventpoll, null), FdLink.Classify(target));
    }

    [Fact]
    public void DevNullIsDevice()
    {
        string target = RecordedFixtures.ReadLink(RecordedFixtures.HostileName, "17919/fd/0");

        Assert.Equal("/dev/null", target);
        Assert.Equal(new FdTarget(FdKind.Device, null), FdLink.Classify(target));
    }

    [Fact]
    public void ExecutablePathWithParenthesesIsFile()
    {
        // The exe link of the hostile-name process: a path whose last component is "a) b (c".
        string target = RecordedFixtures.ReadLink(RecordedFixtures.HostileName, "17919/exe");

        Assert.EndsWith("/a) b (c", target, StringComparison.Ordinal);
        Assert.Equal(new FdTarget(FdKind.File, null), FdLink.Classify(target));
    }

    [Theory]
    [InlineData("socket:[12345]", FdKind.Socket, 12345UL)]
    [InlineData("anon_inode:[eventfd]", FdKind.Eventfd, null)]
    [InlineData("anon_inode:[timerfd]", FdKind.Timerfd, null)]
    [InlineData("anon_inode:[signalfd]", FdKind.Signalfd, null)]
    [InlineData("anon_inode:inotify", FdKind.Inotify, null)]
    [InlineData("anon_inode:[pidfd]", FdKind.Pidfd, null)]
    [InlineData("anon_inode:[io_uring]", FdKind.Anon, null)]
    [InlineData("/home/u/a file (deleted)", FdKind.File, null)]
    public void OtherKindsTheKernelWrites(string target, FdKind kind, ulong? inode)
    {
        Assert.Equal(new FdTarget(kind, inode), FdLink.Classify(target));
    }

    [Theory]
    [InlineData("")]
    [InlineData("pipe:")]
    [InlineData("pipe:[")]
    [InlineData("pipe:[]")]
    [InlineData("pipe:[abc]")]
    [InlineData("pipe:[-1]")]
    [InlineData("pipe:[18446744073709551616]")]
    [InlineData("pipe:123")]
    [InlineData("socket:[12")]
    [InlineData("garbage")]
    public void OddTextIsOther(string target)
    {
        Assert.Equal(new FdTarget(FdKind.Other, null), FdLink.Classify(target));
    }

    [Fact]
    public void EmptyAnonInodeDoesNotThrow()
    {
        Assert.Equal(new FdTarget(FdKind.Anon, null), FdLink.Classify("anon_inode:"));
    }
}
