using System.Collections.Immutable;
using ProcAudit.Capture.Procfs;
using ProcAudit.Tests.Fixtures;

namespace ProcAudit.Tests.Procfs;

/// <summary>StackFile on kernel stacks recorded as root from real blocked threads.</summary>
public sealed class StackFileTests
{
    [Fact]
    public void ReaderBlockedOnEmptyPipe()
    {
        ImmutableArray<string> frames = StackFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.PipeOrderInversion, "17615/task/17615/stack"));

        Assert.Equal(new[] { "anon_pipe_read", "vfs_read", "ksys_read", "do_syscall_64", "entry_SYSCALL_64_after_hwframe" }, frames);
    }

    [Fact]
    public void WriterBlockedOnFullPipe()
    {
        ImmutableArray<string> frames = StackFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.PipeOrderInversion, "17635/task/17635/stack"));

        Assert.Equal(new[] { "anon_pipe_write", "vfs_write", "ksys_write", "do_syscall_64", "entry_SYSCALL_64_after_hwframe" }, frames);
    }

    [Fact]
    public void ParentInWait4()
    {
        ImmutableArray<string> frames = StackFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.WaitBeforeDrain, "17706/task/17706/stack"));

        Assert.Equal(new[] { "do_wait", "kernel_wait4", "do_syscall_64", "entry_SYSCALL_64_after_hwframe" }, frames);
    }

    [Fact]
    public void EpollWait()
    {
        ImmutableArray<string> frames = StackFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.Epoll, "17963/task/17963/stack"));

        Assert.Equal(new[] { "do_epoll_wait", "__x64_sys_epoll_wait", "do_syscall_64", "entry_SYSCALL_64_after_hwframe" }, frames);
    }

    [Fact]
    public void RunningThreadAndZombieHaveEmptyStacks()
    {
        string running = RecordedFixtures.ReadProc(RecordedFixtures.BusyLoop, "18051/task/18051/stack");
        string zombie = RecordedFixtures.ReadProc(RecordedFixtures.ZombieChild, "18254/task/18254/stack");

        Assert.Equal("", running);
        Assert.Equal("", zombie);
        Assert.Empty(StackFile.Parse(running));
        Assert.Empty(StackFile.Parse(zombie));
    }

    [Theory]
    [InlineData("", new string[0])]
    [InlineData("\n\n", new string[0])]
    [InlineData("[<0>] ", new[] { "[<0>]" })]
    [InlineData("[<0>] f", new[] { "f" })]
    [InlineData("[<0>] +0x10/0x20", new[] { "+0x10/0x20" })]
    [InlineData("garbage", new[] { "garbage" })]
    [InlineData("[<0>] pipe_read+0x1/0x2\r\n", new[] { "pipe_read" })]
    public void OddTextDoesNotThrow(string text, string[] expected)
    {
        Assert.Equal(expected, StackFile.Parse(text));
    }

    [Fact]
    public void EveryPrefixOfARecordedStackParses()
    {
        string text = RecordedFixtures.ReadProc(RecordedFixtures.PipeOrderInversion, "17635/task/17635/stack");
        for (int length = 0; length <= text.Length; length++)
        {
            ImmutableArray<string> frames = StackFile.Parse(text[..length]);
            Assert.True(frames.Length <= 5);
        }
    }
}
