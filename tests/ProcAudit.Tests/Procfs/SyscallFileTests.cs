using System.Collections.Immutable;
using ProcAudit.Capture.Procfs;
using ProcAudit.Tests.Fixtures;

namespace ProcAudit.Tests.Procfs;

/// <summary>SyscallFile on syscall files recorded from real threads: blocked, running, and outside any syscall.</summary>
public sealed class SyscallFileTests
{
    [Fact]
    public void ReaderBlockedInRead()
    {
        // x86-64 read(3, buf, 0x2000): python's stdout.read() on the empty stdout pipe.
        SyscallRecord? record = SyscallFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.PipeOrderInversion, "17615/task/17615/syscall"));

        Assert.NotNull(record);
        Assert.False(record.Running);
        Assert.True(record.InSyscall);
        Assert.Equal(0, record.Number);
        Assert.Equal(new ulong[] { 0x3, 0x55ab643433c0, 0x2000, 0x1000, 0x0, 0x0 }, record.Args);
    }

    [Fact]
    public void WriterBlockedInWrite()
    {
        // x86-64 write(2, buf, 200000): the child's whole stderr in one call, stuck on the full pipe.
        SyscallRecord? record = SyscallFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.PipeOrderInversion, "17635/task/17635/syscall"));

        Assert.NotNull(record);
        Assert.True(record.InSyscall);
        Assert.Equal(1, record.Number);
        Assert.Equal(new ulong[] { 0x2, 0x7f0c6d1bb030, 200000, 0x7f0c6d8374f0, 0x0, 0x0 }, record.Args);
    }

    [Fact]
    public void ParentBlockedInWait4WithChildPid()
    {
        SyscallRecord? record = SyscallFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.WaitBeforeDrain, "17706/task/17706/syscall"));

        Assert.NotNull(record);
        Assert.True(record.InSyscall);
        Assert.Equal(61, record.Number);
        // The first argument is the child's pid, 0x453f = 17727.
        Assert.Equal(17727UL, record.Args[0]);
    }

    [Fact]
    public void ShellWaitingForAnyChildHasMinusOneAsFirstArgument()
    {
        // wait4(-1, ...): the pid argument is an int, so the register holds 0xffffffff.
        SyscallRecord? record = SyscallFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.ReaderNotReading, "17860/task/17860/syscall"));

        Assert.NotNull(record);
        Assert.Equal(61, record.Number);
        Assert.Equal(0xffffffffUL, record.Args[0]);
    }

    [Fact]
    public void EpollWaitOnEpollFd()
    {
        SyscallRecord? record = SyscallFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.Epoll, "17963/task/17963/syscall"));

        Assert.NotNull(record);
        Assert.True(record.InSyscall);
        Assert.Equal(232, record.Number);
        Assert.Equal(new ulong[] { 0x5, 0x55e9f92bdd30, 0x3ff, 0xffffffff, 0x0, 0x0 }, record.Args);
    }

    [Fact]
    public void RunningThreadIsRunning()
    {
        // The busy loop was on a CPU while the file was read.
        string text = RecordedFixtures.ReadProc(RecordedFixtures.BusyLoop, "18051/task/18051/syscall");

        Assert.Equal("running\n", text);
        Assert.Equal(new SyscallRecord(true, -1, ImmutableArray<ulong>.Empty), SyscallFile.Parse(text));
        Assert.False(SyscallFile.Parse(text)!.InSyscall);
    }

    [Fact]
    public void ZombieIsOutsideAnySyscall()
    {
        // A zombie is not in a syscall: "-1 SP PC", here with both registers zero.
        string text = RecordedFixtures.ReadProc(RecordedFixtures.ZombieChild, "18254/task/18254/syscall");

        Assert.Equal("-1 0x0 0x0\n", text);
        Assert.Equal(new SyscallRecord(false, -1, ImmutableArray<ulong>.Empty), SyscallFile.Parse(text));
        Assert.False(SyscallFile.Parse(text)!.InSyscall);
    }

    [Fact]
    public void SleepBlockedInClockNanosleep()
    {
        SyscallRecord? record = SyscallFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.HostileName, "17919/task/17919/syscall"));

        Assert.NotNull(record);
        Assert.Equal(230, record.Number);
        Assert.True(record.InSyscall);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("garbage")]
    [InlineData("runnin")]
    [InlineData("0 0x3")]
    [InlineData("0 0x3 0x0 0x0 0x0 0x0")]
    [InlineData("0 0x3 0xzz 0x0 0x0 0x0 0x0 0x0 0x0")]
    [InlineData("0x0 0x3 0x0 0x0 0x0 0x0 0x0 0x0 0x0")]
    [InlineData("99999999999999999999 0x3 0x0 0x0 0x0 0x0 0x0 0x0 0x0")]
    [InlineData("0 0x3 0x10000000000000000 0x0 0x0 0x0 0x0 0x0 0x0")]
    public void OddTextGivesNull(string text)
    {
        Assert.Null(SyscallFile.Parse(text));
    }

    [Fact]
    public void EveryPrefixOfARecordedLineParsesOrGivesNull()
    {
        string text = RecordedFixtures.ReadProc(RecordedFixtures.PipeOrderInversion, "17635/task/17635/syscall");
        SyscallRecord? whole = SyscallFile.Parse(text);
        Assert.NotNull(whole);
        Assert.Equal(1, whole.Number);

        for (int length = 0; length < text.Length; length++)
        {
            SyscallRecord? record = SyscallFile.Parse(text[..length]);
            Assert.True(record is null || record.Number == 1, $"the first {length} characters parsed as syscall {record?.Number}");
        }
    }
}
