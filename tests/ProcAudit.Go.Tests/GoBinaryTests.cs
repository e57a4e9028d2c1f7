using System.Diagnostics;
using ProcAudit.Go.Tests.Infrastructure;

namespace ProcAudit.Go.Tests;

/// <summary>The static pass over a real Go build: version, moduledata, allgs, wait reasons, struct layouts.</summary>
public sealed class GoBinaryTests
{
    private const string Program = "go-goroutine-waits.go";

    [Fact(Timeout = 240_000)]
    public async Task FindsVersionModuleDataAllgsAndWaitReasonsAsTheToolchainSees()
    {
        await Task.Yield();
        string executable = GoPrograms.Build(Program);
        List<string> notes = new List<string>();
        GoBinary? binary = GoBinary.TryLoad(File.ReadAllBytes(executable), notes, out string? error);

        Assert.True(binary is not null, error);
        string toolchain = GoPrograms.Version();
        Assert.Contains(binary.Version + " ", toolchain + " ", StringComparison.Ordinal);

        // The linker's own symbol table (go tool nm) is the ground truth for the addresses found.
        Dictionary<string, ulong> symbols = GoPrograms.Symbols(executable);
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

    [Fact(Timeout = 240_000)]
    public async Task LayoutFromTypeDescriptorsMatchesTheMeasuredGo119Offsets()
    {
        await Task.Yield();
        string executable = GoPrograms.Build(Program);
        GoBinary? binary = GoBinary.TryLoad(File.ReadAllBytes(executable), new List<string>(), out string? error);
        Assert.True(binary is not null, error);
        GoLayout layout = binary.Layout;
        if (binary.Version.StartsWith("go1.19", StringComparison.Ordinal))
        {
            // Go 1.19.8 amd64, DWARF and descriptors agreeing (docs research, go-runtime.md).
            Assert.Equal(
                new GoLayout(
                    layout.GSize, GStackHi: 8, GM: 48, GSchedSp: 56, GSchedPc: 64, GSyscallSp: 112, GSyscallPc: 120,
                    GAtomicStatus: 144, GGoid: 152, GWaitSince: 168, GWaitReason: 176, GWaiting: 328,
                    SudogC: 80, SudogWaitLink: 64, HchanQcount: 0, HchanDataqsiz: 8, HchanClosed: 28, HchanElemType: 32, MProcId: 72)
                {
                    SudogG = 0, SudogNext = 8, SudogElem = 24, HchanRecvqFirst = 56, HchanSendqFirst = 72, HchanSendx = 40, HchanRecvx = 48,
                    PollFd = 8, PollRg = 24, PollWg = 32,
                },
                layout);
            Assert.InRange(layout.GSize, 300, 600);
        }
        else
        {
            // Other versions: the layout must at least be self-consistent; the live tests compare with the runtime.
            Assert.InRange(layout.GAtomicStatus, 0, layout.GSize - 4);
            Assert.InRange(layout.GWaiting, 0, layout.GSize - 8);
            Assert.Equal(8, layout.GStackHi);
        }
    }
}
