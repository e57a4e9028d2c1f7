using System.Collections.Immutable;
using ProcAudit.Capture.Procfs;
using ProcAudit.Tests.Fixtures;

namespace ProcAudit.Tests.Procfs;

/// <summary>CmdlineFile on cmdline files recorded from real processes.</summary>
public sealed class CmdlineFileTests
{
    [Fact]
    public void ShellCommandLine()
    {
        ImmutableArray<string> args = CmdlineFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.LeakedWriteEnd, "17778/cmdline"));

        Assert.Equal(new[] { "bash", "-c", "x=$(sh -c \"sleep 600 & echo hi\"); echo \"$x\"" }, args);
    }

    [Fact]
    public void ArgumentsKeepTheirNewlines()
    {
        ImmutableArray<string> args = CmdlineFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.PipeOrderInversion, "17635/cmdline"));

        Assert.Equal(3, args.Length);
        Assert.Equal("-c", args[1]);
        Assert.Equal("import sys\nsys.stderr.write(\"e\" * 200000)\nsys.stderr.flush()\nsys.stdout.write(\"x\")", args[2]);
        Assert.EndsWith("/python3", args[0], StringComparison.Ordinal);
    }

    [Fact]
    public void HostileArgumentKeepsTabNewlineAndEscape()
    {
        // argv[0] was set with `exec -a`: the parser must not split or clean it; the report escapes it.
        ImmutableArray<string> args = CmdlineFile.Parse(RecordedFixtures.ReadProc(RecordedFixtures.HostileName, "17919/cmdline"));

        Assert.Equal(new[] { "a) b (c\ttab\nnewline\u001b[31mred", "600" }, args);
    }

    [Fact]
    public void KernelThreadHasEmptyCommandLine()
    {
        string text = RecordedFixtures.ReadProc(RecordedFixtures.KernelThread, "2/cmdline");

        Assert.Equal("", text);
        Assert.Empty(CmdlineFile.Parse(text));
    }

    [Fact]
    public void ZombieHasEmptyCommandLine()
    {
        string text = RecordedFixtures.ReadProc(RecordedFixtures.ZombieChild, "18254/cmdline");

        Assert.Equal("", text);
        Assert.Empty(CmdlineFile.Parse(text));
    }

    [Theory]
    [InlineData("\0", new[] { "" })]
    [InlineData("a", new[] { "a" })]
    [InlineData("a\0b", new[] { "a", "b" })]
    [InlineData("a\0\0b\0", new[] { "a", "", "b" })]
    [InlineData("\0\0", new[] { "", "" })]
    [InlineData("\uFFFD\0", new[] { "\uFFFD" })]
    public void OddTextDoesNotThrow(string text, string[] expected)
    {
        Assert.Equal(expected, CmdlineFile.Parse(text));
    }
}
