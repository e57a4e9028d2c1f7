using ProcAudit.Capture.Procfs;
using ProcAudit.Tests.Fixtures;

namespace ProcAudit.Tests.Procfs;

/// <summary>SchedFile on the sched file recorded from a real `sleep 600` (read because its nanosleep has a time limit).</summary>
public sealed class SchedFileTests
{
    [Fact]
    public void ReadsWhenTheSleepingThreadLastRan()
    {
        string text = RecordedFixtures.ReadProc(RecordedFixtures.SleepingParent, "9310/task/9310/sched");

        double? ms = SchedFile.ExecStartMs(text);

        Assert.NotNull(ms);
        Assert.Equal(3777397.330967, ms.Value, precision: 6);
    }

    [Theory]
    [InlineData("")]
    [InlineData("sleep (9310, #threads: 1)\n---\nse.vruntime : 1.0\n")]
    [InlineData("se.exec_start : not-a-number\n")]
    [InlineData("se.exec_start : -5.0\n")]
    public void MissingOrMalformedIsNull(string text)
    {
        Assert.Null(SchedFile.ExecStartMs(text));
    }
}
