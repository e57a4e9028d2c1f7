using ProcAudit.Capture;
using ProcAudit.Capture.Procfs;
using ProcAudit.Tests.Fixtures;

namespace ProcAudit.Tests.Hardening;

/// <summary>
/// Two stat readings around the reads of a process tell whether those reads belong to one program:
/// the recorded stat of a python3 process, and the same line as an exec, an exit or a reused pid leave it.
/// </summary>
public sealed class ImageCheckTests
{
    private static readonly string s_recorded = RecordedFixtures.ReadProc(RecordedFixtures.PipeOrderInversion, "17615/stat");

    private static StatRecord Before => StatFile.Parse(s_recorded)!;

    [Fact]
    public void The_same_line_twice_is_the_same_image()
    {
        Assert.Equal(ImageChange.Same, ImageCheck.Compare(Before, StatFile.Parse(s_recorded)));
    }

    [Fact]
    public void An_exec_of_another_program_changes_comm_stack_and_arguments()
    {
        string execed = Field(Field(Field(s_recorded.Replace("(python3)", "(make)", StringComparison.Ordinal), 28, "140731000000000"), 48, "140731000004000"), 49, "140731000004020");
        Assert.Equal(ImageChange.Execed, ImageCheck.Compare(Before, StatFile.Parse(execed)));
    }

    [Theory]
    [InlineData(28)]
    [InlineData(48)]
    [InlineData(49)]
    public void A_re_exec_of_the_same_program_is_seen_by_its_new_stack_or_arguments(int field)
    {
        Assert.Equal(ImageChange.Execed, ImageCheck.Compare(Before, StatFile.Parse(Field(s_recorded, field, "140720000000008"))));
    }

    [Fact]
    public void A_process_that_became_a_zombie_or_vanished_exited_and_did_not_exec()
    {
        // A zombie's stack and argument fields read 0: not a new image.
        string zombie = Field(Field(Field(Field(s_recorded, 3, "Z"), 28, "0"), 48, "0"), 49, "0");
        Assert.Equal(ImageChange.Exited, ImageCheck.Compare(Before, StatFile.Parse(zombie)));
        Assert.Equal(ImageChange.Exited, ImageCheck.Compare(Before, null));
    }

    [Fact]
    public void Another_start_time_is_another_process_on_a_reused_pid()
    {
        Assert.Equal(ImageChange.PidReused, ImageCheck.Compare(Before, StatFile.Parse(Field(s_recorded, 22, "999999"))));
    }

    [Fact]
    public void Without_permission_for_the_address_fields_comm_alone_decides()
    {
        string hidden = Field(Field(Field(s_recorded, 28, "0"), 48, "0"), 49, "0");
        StatRecord before = StatFile.Parse(hidden)!;
        Assert.Equal(ImageChange.Same, ImageCheck.Compare(before, StatFile.Parse(hidden)));
        Assert.Equal(ImageChange.Execed, ImageCheck.Compare(before, StatFile.Parse(hidden.Replace("(python3)", "(sh)", StringComparison.Ordinal))));
    }

    /// <summary>The stat line with field N (numbered as in proc_pid_stat(5), 3 = state) replaced.</summary>
    private static string Field(string stat, int n, string value)
    {
        int close = stat.LastIndexOf(')');
        string[] fields = stat[(close + 2)..].TrimEnd('\n').Split(' ');
        fields[n - 3] = value;
        return stat[..(close + 2)] + string.Join(' ', fields) + "\n";
    }
}
