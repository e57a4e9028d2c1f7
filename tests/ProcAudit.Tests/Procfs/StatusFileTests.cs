using ProcAudit.Capture.Procfs;
using ProcAudit.Tests.Fixtures;

namespace ProcAudit.Tests.Procfs;

/// <summary>StatusFile on status files recorded from real processes; the values are frozen with the recordings.</summary>
public sealed class StatusFileTests
{
    [Fact]
    public void ParsesPythonProcess()
    {
        StatusRecord record = StatusFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.PipeOrderInversion, "17615/status"));

        Assert.Equal(new StatusRecord(0, 5, 16), record);
    }

    [Fact]
    public void ParsesTaskStatus()
    {
        StatusRecord record = StatusFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.PipeOrderInversion, "17635/task/17635/status"));

        Assert.Equal(new StatusRecord(0, 1, 13), record);
    }

    [Fact]
    public void ParsesKernelThread()
    {
        StatusRecord record = StatusFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.KernelThread, "2/status"));

        Assert.Equal(new StatusRecord(0, 60, 0), record);
    }

    [Fact]
    public void ParsesZombie()
    {
        StatusRecord record = StatusFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.ZombieChild, "18254/status"));

        Assert.Equal(new StatusRecord(0, 1, 0), record);
    }

    [Fact]
    public void NameWithControlCharactersDoesNotDisturbTheOtherLines()
    {
        // status escapes the newline of this comm as "\n" but keeps the tab: "Name:\tx\ty\\nz...".
        string text = RecordedFixtures.ReadProc(RecordedFixtures.ControlCharName, "19872/status");

        Assert.StartsWith("Name:\tx\ty\\nz\u001b[7mw\n", text, StringComparison.Ordinal);
        Assert.Equal(new StatusRecord(0, 4, 0), StatusFile.Parse(text));
    }

    [Fact]
    public void BusyProcessHasInvoluntarySwitches()
    {
        StatusRecord record = StatusFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.BusyLoop, "18051/status"));

        Assert.Equal(new StatusRecord(0, 2, 130), record);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("Uid:")]
    [InlineData("Uid:\t\n")]
    [InlineData("Uid:\tx\t0\t0\t0\nvoluntary_ctxt_switches:\tlots\nnonvoluntary_ctxt_switches:\t-1\n")]
    [InlineData(":::\n\n:")]
    public void OddTextGivesEmptyRecord(string text)
    {
        Assert.Equal(new StatusRecord(null, 0, 0), StatusFile.Parse(text));
    }

    [Fact]
    public void EveryPrefixOfARecordedFileParses()
    {
        string text = RecordedFixtures.ReadProc(RecordedFixtures.PipeOrderInversion, "17615/status");
        for (int length = 0; length <= text.Length; length++)
        {
            StatusRecord record = StatusFile.Parse(text[..length]);
            Assert.True(record.Uid is null or 0);
        }
    }
}
