using System.Diagnostics;
using System.Text;
using ProcAudit.Go.Tests.Infrastructure;

namespace ProcAudit.Go.Tests;

/// <summary>
/// What the Go view does with what it cannot understand: an unsupported version, a file that only looks like Go,
/// a process that exits mid-read, memory full of garbage. A note each time, never an exception, never goroutines
/// made up, and the rest of the audit intact.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GoBadInputTests
{
    private const string Program = "go-goroutine-waits.go";
    private static readonly TimeSpan s_budget = TimeSpan.FromSeconds(5);

    [Fact(Timeout = 120_000)]
    public async Task BinaryOfAnUnsupportedGoVersionGivesANoteAndTheKernelViewStays()
    {
        // A real binary whose build info says go1.17.9 (same length as go1.19.8): a release before the 1.18 pclntab.
        string patched = Path.Combine(Path.GetTempPath(), $"procaudit-go117-{Guid.NewGuid():N}");
        byte[] file = File.ReadAllBytes(GoPrograms.Build(Program));
        string version = GoPrograms.Version().Split(' ')[2];
        Assert.Equal(8, version.Length);
        // The build info blob (\xff Go buildinf:), not runtime.buildVersion elsewhere in the file.
        int info = IndexOf(file, [0xff, .. Encoding.ASCII.GetBytes(" Go buildinf:")]);
        int at = info + IndexOf(file[info..], Encoding.ASCII.GetBytes(version));
        Assert.True(info > 0 && at > info, "the version string is in the build info");
        Encoding.ASCII.GetBytes("go1.17.9").CopyTo(file, at);
        File.WriteAllBytes(patched, file);
        File.SetUnixFileMode(patched, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            using GoProcess target = GoProcess.Start(patched);
            await Task.Delay(TimeSpan.FromSeconds(1));

            GoroutineSnapshot snapshot = GoroutineReader.Read(target.Pid, s_budget);
            Assert.Null(snapshot.GoVersion);
            Assert.Empty(snapshot.Goroutines);
            Assert.Contains(snapshot.Notes, n => n.Contains("go1.17.9: unsupported Go version", StringComparison.Ordinal));

            AuditResult audit = new Auditor(new AuditOptions { Interval = TimeSpan.Zero, Enrichers = [new GoEnricher()] }).Audit(target.Pid);
            ProcessInfo process = audit.Snapshot.FindProcess(target.Pid)!;
            Assert.NotEmpty(process.Threads);
            Assert.NotEmpty(process.Fds);
            Assert.Empty(process.Goroutines);
            Assert.Contains(audit.Snapshot.Notes, n => n.Message.Contains("unsupported Go version", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(patched);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task FileThatOnlyContainsGoLookingStringsIsNotReadAsGo()
    {
        // A C program carrying a Go build-info blob (magic, flags, "go1.19.8") and runtime symbol names as data.
        string directory = Directory.CreateTempSubdirectory("procaudit-fake-go-").FullName;
        try
        {
            string source = Path.Combine(directory, "fake.c");
            string executable = Path.Combine(directory, "fake");
            File.WriteAllText(source, """
                #include <unistd.h>
                __attribute__((aligned(16), used)) static const char buildinfo[64] =
                    "\xff Go buildinf:\x08\x02\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x08go1.19.8";
                __attribute__((used)) static const char names[] = "runtime.allgs\0runtime.g\0*runtime.g\0GC assist marking";
                int main(void) { sleep(600); return buildinfo[0] + names[0]; }
                """);
            Run("gcc", "-O0", "-o", executable, source);
            Assert.Null(GoBinary.TryLoad(File.ReadAllBytes(executable), new List<string>(), out string? error));
            Assert.NotNull(error);

            using GoProcess target = GoProcess.Start(executable);
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            GoroutineSnapshot snapshot = GoroutineReader.Read(target.Pid, s_budget);
            Assert.Empty(snapshot.Goroutines);
            Assert.NotEmpty(snapshot.Notes);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task ProcessExitingWhileItIsReadGivesNotesNotExceptions()
    {
        GoProcess target = GoProcess.Start(GoPrograms.Build(Program));
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            int pid = target.Pid;
            int reads = 0;
            Task reader = Task.Run(() =>
            {
                Stopwatch clock = Stopwatch.StartNew();
                while (clock.Elapsed < TimeSpan.FromSeconds(3))
                {
                    GoroutineReader.Read(pid, s_budget, epollFds: [3]);
                    reads++;
                }
            });
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            target.Dispose();
            await reader;

            GoroutineSnapshot after = GoroutineReader.Read(pid, s_budget);
            Assert.Empty(after.Goroutines);
            Assert.NotEmpty(after.Notes);
            Assert.True(reads > 1);
        }
        finally
        {
            target.Dispose();
        }
    }

    [Fact]
    public void GarbageMemoryGivesNotesAndNoGoroutinesMadeUp()
    {
        GoBinary binary = GoBinary.TryLoad(File.ReadAllBytes(GoPrograms.Build(Program)), new List<string>(), out string? error)!;
        Assert.Null(error);
        for (int seed = 0; seed < 40; seed++)
        {
            List<string> notes = new List<string>();
            GoWaitResolution? resolution = GoroutineReader.ReadFrom(
                binary, new GarbageMemory(seed), Stopwatch.StartNew(), TimeSpan.FromMilliseconds(250), [(3, 0xc000010000UL)], notes, out _);

            // Random words almost never pass the checks on allgs (goid 1, sane status); if they do, nothing may throw.
            Assert.True(resolution is null ? notes.Count > 0 : resolution.Goroutines.All(g => g.Frames.Length <= 64 + 32 * 64));
        }
    }

    [Fact(Timeout = 240_000)]
    public async Task CorruptedReadsOfALiveProgramNeverThrow()
    {
        using GoProcess target = GoProcess.Start(GoPrograms.Build("go-transfer-lock-order.go"));
        await Task.Delay(TimeSpan.FromSeconds(1));
        GoBinary binary = GoBinary.TryLoad(File.ReadAllBytes($"/proc/{target.Pid}/exe"), new List<string>(), out _)!;
        using ProcessMemory memory = ProcessMemory.TryOpen(target.Pid, out _)!;
        int withGoroutines = 0;
        for (int seed = 0; seed < 100; seed++)
        {
            List<string> notes = new List<string>();
            GoWaitResolution? resolution = GoroutineReader.ReadFrom(
                binary, new FlippingMemory(memory, seed), Stopwatch.StartNew(), TimeSpan.FromSeconds(2), [], notes, out _);
            withGoroutines += resolution?.Goroutines.Length > 0 ? 1 : 0;
        }

        // Most reads still find the goroutine list: the corruption reached the walk, not only the first read.
        Assert.True(withGoroutines > 10, $"only {withGoroutines} of 100 corrupted reads got as far as the goroutines");
    }

    private static int IndexOf(byte[] data, byte[] needle) => data.AsSpan().IndexOf(needle);

    private static void Run(string file, params string[] args)
    {
        using Process process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, UseShellExecute = false })!;
        string stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000) && process.ExitCode == 0, $"{file} failed: {stderr}");
    }
}
