using System.Diagnostics;
using ProcAudit.Go.Tests.Infrastructure;

namespace ProcAudit.Go.Tests;

/// <summary>The static pass over a real Go build: version, moduledata, allgs, wait reasons, struct layouts.</summary>
public sealed class GoBinaryTests
{
    private const string Program = "go-goroutine-waits.go";

    /// <summary>Every toolchain the tests build with, as theory data.</summary>
    public static TheoryData<string> Toolchains => new(GoPrograms.Toolchains);

    [Theory(Timeout = 240_000)]
    [MemberData(nameof(Toolchains))]
    public async Task FindsVersionModuleDataAllgsAndWaitReasonsAsTheToolchainSees(string toolchain)
    {
        await Task.Yield();
        string executable = GoPrograms.Build(Program, toolchain);
        List<string> notes = new List<string>();
        GoBinary? binary = GoBinary.TryLoad(File.ReadAllBytes(executable), notes, out string? error);

        Assert.True(binary is not null, error);
        Assert.Contains(binary.Version + " ", GoPrograms.Version(toolchain) + " ", StringComparison.Ordinal);

        // The linker's own symbol table (go tool nm of the same release) is the ground truth for the addresses found.
        Dictionary<string, ulong> symbols = GoPrograms.Symbols(executable, toolchain);
        Assert.Equal(symbols["runtime.firstmoduledata"], binary.ModuleData);
        Assert.Equal(symbols["runtime.allgs"], binary.Allgs);
        Assert.Equal("", binary.WaitReasons[0]);
        Assert.Equal("GC assist marking", binary.WaitReasons[1]);
        Assert.Equal("IO wait", binary.WaitReasons[2]);
        Assert.Equal("select", binary.WaitReasons[9]);
        Assert.Equal("chan receive", binary.WaitReasons[14]);
        Assert.Equal("chan send", binary.WaitReasons[15]);
        Assert.Equal("semacquire", binary.WaitReasons[18]);
    }

    /// <summary>Every toolchain the tests build with, plain and stripped (-s -w), as theory data.</summary>
    public static TheoryData<string, bool> Builds()
    {
        TheoryData<string, bool> builds = new TheoryData<string, bool>();
        foreach (string toolchain in GoPrograms.Toolchains)
        {
            builds.Add(toolchain, false);
            builds.Add(toolchain, true);
        }

        return builds;
    }

    /// <summary>
    /// The layouts of the go-goroutine-waits.go build of each release, by the release's "goX.Y" prefix. Measured
    /// independently of the reader: built with each toolchain and read from the DWARF with gdb's Python API
    /// (gdb.lookup_type(S).fields(), bitpos / 8, sizeof), not from the type descriptors the reader uses. A release
    /// missing here fails the test: its offsets have not been measured.
    /// </summary>
    private static readonly Dictionary<string, GoLayout> s_measured = Measured();

    private static Dictionary<string, GoLayout> Measured()
    {
        GoLayout go119 = new GoLayout(
            GSize: 392, GStackHi: 8, GM: 48, GSchedSp: 56, GSchedPc: 64, GSyscallSp: 112, GSyscallPc: 120,
            GAtomicStatus: 144, GGoid: 152, GWaitSince: 168, GWaitReason: 176, GWaiting: 328,
            SudogC: 80, SudogWaitLink: 64, HchanQcount: 0, HchanDataqsiz: 8, HchanClosed: 28, HchanElemType: 32, MProcId: 72)
        {
            SudogG = 0, SudogNext = 8, SudogElem = 24, HchanRecvqFirst = 56, HchanSendqFirst = 72, HchanSendx = 40, HchanRecvx = 48,
            PollFd = 8, PollRg = 24, PollWg = 32,
        };

        // 1.21: g grows (waiting moves to 312); pollDesc gains fdseq, so rg and wg move to 32 and 40.
        GoLayout go121 = go119 with { GSize = 408, GWaiting = 312, PollRg = 32, PollWg = 40 };
        GoLayout go122 = go121 with { GSize = 424 };

        // 1.23: g gains syscallbp (everything from param on moves by 8); hchan gains timer at 32.
        GoLayout go123 = go122 with
        {
            GSize = 432, GAtomicStatus = 152, GGoid = 160, GWaitSince = 176, GWaitReason = 184, GWaiting = 320,
            HchanElemType = 40, HchanSendx = 48, HchanRecvx = 56, HchanRecvqFirst = 64, HchanSendqFirst = 80,
        };
        return new Dictionary<string, GoLayout>(StringComparer.Ordinal) { ["go1.19"] = go119, ["go1.21"] = go121, ["go1.22"] = go122, ["go1.23"] = go123 };
    }

    [Theory(Timeout = 240_000)]
    [MemberData(nameof(Builds))]
    public async Task LayoutFromTypeDescriptorsMatchesTheMeasuredOffsets(string toolchain, bool stripped)
    {
        await Task.Yield();
        string executable = stripped ? GoPrograms.BuildStripped(Program, toolchain) : GoPrograms.Build(Program, toolchain);
        GoBinary? binary = GoBinary.TryLoad(File.ReadAllBytes(executable), new List<string>(), out string? error);
        Assert.True(binary is not null, error);
        Assert.Contains(binary.Version + " ", GoPrograms.Version(toolchain) + " ", StringComparison.Ordinal);

        string release = string.Join('.', binary.Version.Split('.').Take(2));
        Assert.True(
            s_measured.TryGetValue(release, out GoLayout? expected),
            $"no measured layout for {release} ({binary.Version}, toolchain '{toolchain}'): measure its offsets from the DWARF and add them to {nameof(s_measured)}");
        Assert.Equal(expected, binary.Layout);
    }
}
