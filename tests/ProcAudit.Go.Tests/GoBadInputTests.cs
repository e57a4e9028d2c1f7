using System.Collections.Immutable;
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
    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(30);

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
            string compiler = Prerequisites.CCompiler("this test compiles a C program that carries Go-looking data");
            CommandResult compiled = await Task.Run(() => BoundedCommand.Run(compiler, ["-O0", "-o", executable, source], TimeSpan.FromSeconds(60)));
            Assert.True(compiled.ExitCode == 0, $"{compiler} failed: {compiled.Output}");
            Assert.Null(GoBinary.TryLoad(File.ReadAllBytes(executable), new List<string>(), out string? error));
            Assert.NotNull(error);

            using GoProcess target = GoProcess.Start(executable);
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
            int pid = target.Pid;
            await WhenGoroutinesAreReadable(pid);
            int readsBeforeKill = 0;
            int readsAfterKill = 0;
            bool killed = false;
            using CancellationTokenSource stop = new CancellationTokenSource();

            // Reads back to back while the program is killed under them, and on until several reads found it gone.
            Task reader = Task.Run(() =>
            {
                while (!stop.IsCancellationRequested && readsAfterKill < 20)
                {
                    bool killedBefore = Volatile.Read(ref killed);
                    GoroutineReader.Read(pid, s_budget, epollFds: [3]);
                    if (killedBefore)
                    {
                        readsAfterKill++;
                    }
                    else
                    {
                        Interlocked.Increment(ref readsBeforeKill);
                    }
                }
            });
            try
            {
                Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref readsBeforeKill) >= 2 || reader.IsCompleted, s_readyTimeout), "the reader never got going");
                target.Dispose();
                Volatile.Write(ref killed, true);
                await reader.WaitAsync(s_readyTimeout);
            }
            finally
            {
                stop.Cancel();
            }

            GoroutineSnapshot after = GoroutineReader.Read(pid, s_budget);
            Assert.Empty(after.Goroutines);
            Assert.NotEmpty(after.Notes);
        }
        finally
        {
            target.Dispose();
        }
    }

    [Fact]
    public void GarbageMemoryGivesNotesAndNoGoroutineIsPassedOffAsRead()
    {
        GoBinary binary = GoBinary.TryLoad(File.ReadAllBytes(GoPrograms.Build(Program)), new List<string>(), out string? error)!;
        Assert.Null(error);
        int stoppedByGoid = 0;
        for (int seed = 0; seed < 40; seed++)
        {
            List<string> notes = new List<string>();
            GoWaitResolution? resolution = GoroutineReader.ReadFrom(
                binary, new GarbageMemory(seed), Stopwatch.StartNew(), TimeSpan.FromMilliseconds(250), [(3, 0xc000010000UL)], notes, out _);

            // With symbols, allgs is taken from the symbol table: random words may pass for its {ptr, len, cap}, but
            // the list's first g must be the main goroutine (goid 1), which random memory is not.
            Assert.True(notes.Count > 0, $"seed {seed}: no note on a read of random memory");
            ImmutableArray<Goroutine> goroutines = resolution?.Goroutines ?? [];
            Assert.Empty(goroutines);
            stoppedByGoid += notes.Any(n => n.Contains("does not start with the main goroutine (goid 1)", StringComparison.Ordinal)) ? 1 : 0;
        }

        // Some seeds do get as far as a plausible slice header, so the goid check is what stops them.
        Assert.True(stoppedByGoid > 0, "no seed got past allgs's slice header: the goid check was never exercised");
    }

    [Fact(Timeout = 240_000)]
    public async Task CorruptedReadsOfALiveProgramNeverThrow()
    {
        using GoProcess target = GoProcess.Start(GoPrograms.Build("go-transfer-lock-order.go"));
        await WhenGoroutinesAreReadable(target.Pid);
        GoBinary binary = GoBinary.TryLoad(File.ReadAllBytes($"/proc/{target.Pid}/exe"), new List<string>(), out _)!;
        using ProcessMemory memory = ProcessMemory.TryOpen(target.Pid, out _)!;
        int stoppedByGoid = 0;
        for (int seed = 0; seed < 100; seed++)
        {
            List<string> notes = new List<string>();
            GoWaitResolution? resolution = GoroutineReader.ReadFrom(
                binary, new FlippingMemory(memory, seed), Stopwatch.StartNew(), TimeSpan.FromSeconds(2), [], notes, out _);
            stoppedByGoid += resolution?.Goroutines.Length > 0 ? 1 : 0;
        }

        // Most reads still find the goroutine list: the corruption reached the walk, not only the first read.
        Assert.True(stoppedByGoid > 10, $"only {stoppedByGoid} of 100 corrupted reads got as far as the goroutines");
    }

    private static int IndexOf(byte[] data, byte[] needle) => data.AsSpan().IndexOf(needle);

    /// <summary>Waits until a read finds the program's goroutines: its runtime has started them.</summary>
    private static async Task WhenGoroutinesAreReadable(int pid)
    {
        Stopwatch waited = Stopwatch.StartNew();
        GoroutineSnapshot snapshot = GoroutineReader.Read(pid, s_budget);
        while (snapshot.Goroutines.Length == 0 && waited.Elapsed < s_readyTimeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50));
            snapshot = GoroutineReader.Read(pid, s_budget);
        }

        Assert.True(snapshot.Goroutines.Length > 0, $"no goroutines read from {pid} within {s_readyTimeout}: {string.Join(" | ", snapshot.Notes)}");
    }
}
