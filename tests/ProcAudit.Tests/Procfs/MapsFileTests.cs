using ProcAudit.Capture.Procfs;
using ProcAudit.Tests.Fixtures;

namespace ProcAudit.Tests.Procfs;

/// <summary>MapsFile on maps files recorded from real processes.</summary>
public sealed class MapsFileTests
{
    [Fact]
    public void SleepMapsItsExecutableLibcAndLocales()
    {
        // The executable's path has spaces and parentheses: the path runs to the end of the line.
        IReadOnlySet<string> names = MapsFile.MappedFileNames(RecordedFixtures.ReadProc(RecordedFixtures.HostileName, "17919/maps"));

        string[] expected =
        {
            "a) b (c", "libc.so.6", "ld-linux-x86-64.so.2", "gconv-modules.cache",
            "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "LC_MONETARY", "SYS_LC_MESSAGES", "LC_PAPER",
            "LC_NAME", "LC_ADDRESS", "LC_TELEPHONE", "LC_MEASUREMENT", "LC_IDENTIFICATION",
        };
        Assert.Equal(expected.Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void PythonMapsLibpython()
    {
        // What the runtime detector looks for; pseudo-mappings such as [heap] and [vdso] are no files.
        IReadOnlySet<string> names = MapsFile.MappedFileNames(RecordedFixtures.ReadProc(RecordedFixtures.Epoll, "17963/maps"));

        Assert.Contains("python3.11", names);
        Assert.Contains("libpython3.11.so.1.0", names);
        Assert.Contains("select.cpython-311-x86_64-linux-gnu.so", names);
        Assert.Contains("libc.so.6", names);
        Assert.DoesNotContain("[heap]", names);
        Assert.DoesNotContain("[vdso]", names);
        Assert.DoesNotContain("", names);
        Assert.Equal(21, names.Count);
    }

    [Fact]
    public void EscapedNewlineInPathStaysEscaped()
    {
        // maps writes a newline in a path as "\012" (the tab stays raw), so one mapping stays one line.
        IReadOnlySet<string> names = MapsFile.MappedFileNames(RecordedFixtures.ReadProc(RecordedFixtures.ControlCharName, "19872/maps"));

        Assert.Contains("x\ty\\012z\u001b[7mw", names);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("garbage")]
    [InlineData("7ffefc8dc000-7ffefc8fd000 rw-p 00000000 00:00 0                          [stack]\n")]
    [InlineData("7ffefc8dc000-7ffefc8fd000 rw-p 00000000 00:00 0\n")]
    [InlineData("7f9285")]
    public void OddTextGivesNoNames(string text)
    {
        Assert.Empty(MapsFile.MappedFileNames(text));
    }

    [Fact]
    public void DeletedSuffixIsDropped()
    {
        IReadOnlySet<string> names = MapsFile.MappedFileNames("7f00-7f01 r-xp 00000000 fe:00 1   /usr/lib/libcoreclr.so (deleted)\n");

        Assert.Equal(new[] { "libcoreclr.so" }, names);
    }

    [Fact]
    public void EveryPrefixOfARecordedFileParses()
    {
        string text = RecordedFixtures.ReadProc(RecordedFixtures.HostileName, "17919/maps");
        IReadOnlySet<string> whole = MapsFile.MappedFileNames(text);
        for (int length = 0; length <= text.Length; length++)
        {
            // A cut line may give a shortened name, but every whole line before the cut counts.
            string prefix = text[..length];
            IReadOnlySet<string> names = MapsFile.MappedFileNames(prefix);
            int completeLines = prefix.Count(c => c == '\n');
            IReadOnlySet<string> complete = MapsFile.MappedFileNames(string.Join('\n', text.Split('\n').Take(completeLines)));
            Assert.Subset(new HashSet<string>(names), new HashSet<string>(complete));
        }
        Assert.Equal(16, whole.Count);
    }
}
