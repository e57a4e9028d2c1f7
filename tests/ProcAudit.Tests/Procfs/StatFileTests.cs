using ProcAudit.Capture.Procfs;
using ProcAudit.Tests.Fixtures;

namespace ProcAudit.Tests.Procfs;

/// <summary>StatFile on stat lines recorded from real processes (tests/fixtures); the values are frozen with the recordings.</summary>
public sealed class StatFileTests
{
    [Fact]
    public void ParsesPythonParentOfPipeOrderInversion()
    {
        StatRecord? stat = StatFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.PipeOrderInversion, "17615/stat"));

        Assert.Equal(new StatRecord(17615, "python3", "S", 17561, 17615, 17615, 4194304, 5, 0, 1, 101555) { StartStack = 140731217169936, ArgStart = 140731217176552, ArgEnd = 140731217176861 }, stat);
        Assert.False(stat!.IsKernelThread);
    }

    [Fact]
    public void ParsesChildInTheParentsSession()
    {
        StatRecord? stat = StatFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.PipeOrderInversion, "17635/stat"));

        Assert.Equal(new StatRecord(17635, "python3", "S", 17615, 17615, 17615, 4194304, 2, 0, 1, 101567) { StartStack = 140721397066144, ArgStart = 140721397074078, ArgEnd = 140721397074205 }, stat);
    }

    [Fact]
    public void TaskStatParsesLikeProcessStat()
    {
        StatRecord? process = StatFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.ReaderNotReading, "17866/stat"));
        StatRecord? task = StatFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.ReaderNotReading, "17866/task/17866/stat"));

        Assert.Equal(new StatRecord(17866, "yes", "S", 17860, 17860, 17860, 4194304, 0, 0, 1, 101876) { StartStack = 140736145260192, ArgStart = 140736145262883, ArgEnd = 140736145262887 }, task);
        Assert.Equal(process, task);
    }

    [Fact]
    public void CommWithParenthesesAndSpacesIsTakenUpToTheLastParenthesis()
    {
        // "a) b (c": splitting on spaces, or ending comm at the first ')', would shift every field.
        StatRecord? stat = StatFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.HostileName, "17919/stat"));

        Assert.Equal(new StatRecord(17919, "a) b (c", "S", 17561, 17919, 17919, 4194304, 0, 0, 1, 101956) { StartStack = 140733135698400, ArgStart = 140733135702268, ArgEnd = 140733135702300 }, stat);
    }

    [Fact]
    public void CommWithControlCharactersIsKeptRaw()
    {
        // stat prints comm unescaped, tab, newline and ESC included; escaping is the report's job.
        StatRecord? stat = StatFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.ControlCharName, "19872/stat"));

        Assert.Equal(new StatRecord(19872, "x\ty\nz\u001b[7mw", "S", 19825, 19872, 19872, 4194304, 0, 0, 1, 111828) { StartStack = 140727904380480, ArgStart = 140727904389366, ArgEnd = 140727904389401 }, stat);
    }

    [Fact]
    public void KthreaddHasKernelThreadFlag()
    {
        StatRecord? stat = StatFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.KernelThread, "2/stat"));

        // Flags 2129984 = 0x208040: PF_KTHREAD (0x00200000) | PF_NOFREEZE | PF_FORKNOEXEC.
        Assert.Equal(new StatRecord(2, "kthreadd", "S", 0, 0, 0, 2129984, 0, 0, 1, 24), stat);
        Assert.True(stat!.IsKernelThread);
    }

    [Fact]
    public void EveryRecordedKernelThreadHasKernelThreadFlag()
    {
        // The kernel-thread fixture is kthreadd and its children, which are all kernel threads.
        IReadOnlyList<int> pids = RecordedFixtures.Pids(RecordedFixtures.KernelThread);

        Assert.Equal(58, pids.Count);
        foreach (int pid in pids)
        {
            StatRecord? stat = StatFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.KernelThread, $"{pid}/stat"));
            Assert.NotNull(stat);
            Assert.True(stat.IsKernelThread, $"pid {pid} ({stat.Comm}) lacks PF_KTHREAD");
            Assert.Equal(pid == 2 ? 0 : 2, stat.PPid);
        }
    }

    [Fact]
    public void CommOfKernelWorkerWithSlashParses()
    {
        StatRecord? stat = StatFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.KernelThread, "14/stat"));

        Assert.Equal(new StatRecord(14, "ksoftirqd/0", "S", 2, 0, 0, 69238848, 9, 0, 1, 24), stat);
        Assert.True(stat!.IsKernelThread);
    }

    [Fact]
    public void ZombieParsesWithStateZ()
    {
        StatRecord? stat = StatFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.ZombieChild, "18254/stat"));

        Assert.Equal(new StatRecord(18254, "sh", "Z", 18248, 18248, 18248, 4227148, 0, 0, 1, 102953), stat);
        Assert.False(stat!.IsKernelThread);
    }

    [Fact]
    public void OrphanHasInitAsParentButKeepsItsSession()
    {
        StatRecord? stat = StatFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.LeakedWriteEnd, "17785/stat"));

        Assert.Equal(new StatRecord(17785, "sleep", "S", 1, 17778, 17778, 4194304, 0, 0, 1, 101790) { StartStack = 140730243988384, ArgStart = 140730243991839, ArgEnd = 140730243991849 }, stat);
    }

    [Fact]
    public void RunningProcessHasStateR()
    {
        StatRecord? stat = StatFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.BusyLoop, "18051/stat"));

        Assert.Equal(new StatRecord(18051, "sh", "R", 17561, 18051, 18051, 4194304, 56, 0, 1, 102156) { StartStack = 140729741972448, ArgStart = 140729741973774, ArgEnd = 140729741973800 }, stat);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("garbage")]
    [InlineData("1234")]
    [InlineData("1234 (trunc")]
    [InlineData("1234 (sleep) S 1 2 3")]
    [InlineData("(sleep) S 1 2 3 0 -1 4194304 1 2 3 4 5 6 7 8 20 0 1 0 99")]
    [InlineData("x (sleep) S 1 2 3 0 -1 4194304 1 2 3 4 5 6 7 8 20 0 1 0 99")]
    [InlineData("12 ) S 1 2 3 0 -1 4194304 1 2 3 4 5 6 7 8 20 0 1 0 99 (")]
    [InlineData("12 (sleep) S x 2 3 0 -1 4194304 1 2 3 4 5 6 7 8 20 0 1 0 99")]
    [InlineData("12 (sleep) S 1 2 3 0 -1 -5 1 2 3 4 5 6 7 8 20 0 1 0 99")]
    public void OddTextGivesNull(string text)
    {
        Assert.Null(StatFile.Parse(text));
    }

    [Fact]
    public void EveryPrefixOfARecordedLineParsesOrGivesNull()
    {
        // A read cut short (the process died mid-read) must never throw.
        string text = RecordedFixtures.ReadProc(RecordedFixtures.HostileName, "17919/stat");
        StatRecord? whole = StatFile.Parse(text);
        Assert.NotNull(whole);
        Assert.Equal(17919, whole.Pid);
        Assert.Equal("a) b (c", whole.Comm);

        for (int length = 0; length < text.Length; length++)
        {
            StatRecord? stat = StatFile.Parse(text[..length]);
            Assert.True(stat is null || (stat.Pid, stat.Comm) == (17919, "a) b (c"), $"the first {length} characters parsed as {stat}");
        }
    }
}
