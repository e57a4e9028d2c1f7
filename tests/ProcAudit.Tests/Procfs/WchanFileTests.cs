using ProcAudit.Capture.Procfs;
using ProcAudit.Tests.Fixtures;

namespace ProcAudit.Tests.Procfs;

/// <summary>WchanFile on wchan files recorded from real threads.</summary>
public sealed class WchanFileTests
{
    [Theory]
    [InlineData(RecordedFixtures.PipeOrderInversion, "17615/task/17615/wchan", "anon_pipe_read")]
    [InlineData(RecordedFixtures.PipeOrderInversion, "17635/task/17635/wchan", "anon_pipe_write")]
    [InlineData(RecordedFixtures.WaitBeforeDrain, "17706/task/17706/wchan", "do_wait")]
    [InlineData(RecordedFixtures.ReaderNotReading, "17867/task/17867/wchan", "hrtimer_nanosleep")]
    [InlineData(RecordedFixtures.Epoll, "17963/task/17963/wchan", "do_epoll_wait")]
    public void SleepingThreadNamesKernelFunction(string fixture, string relative, string expected)
    {
        // The recorded file has no trailing newline; the name is all there is.
        string text = RecordedFixtures.ReadProc(fixture, relative);

        Assert.Equal(expected, text);
        Assert.Equal(expected, WchanFile.Parse(text));
    }

    [Fact]
    public void RunningThreadHasNoWchan()
    {
        string text = RecordedFixtures.ReadProc(RecordedFixtures.BusyLoop, "18051/task/18051/wchan");

        Assert.Equal("0", text);
        Assert.Null(WchanFile.Parse(text));
    }

    [Fact]
    public void ZombieHasNoWchan()
    {
        string text = RecordedFixtures.ReadProc(RecordedFixtures.ZombieChild, "18254/task/18254/wchan");

        Assert.Equal("0", text);
        Assert.Null(WchanFile.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("   ")]
    [InlineData("0\n")]
    public void OddTextGivesNull(string text)
    {
        Assert.Null(WchanFile.Parse(text));
    }

    [Fact]
    public void SurroundingWhitespaceIsTrimmed()
    {
        Assert.Equal("do_wait", WchanFile.Parse(" do_wait\n"));
    }
}
