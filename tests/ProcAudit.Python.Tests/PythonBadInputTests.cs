using System.Diagnostics;
using ProcAudit.Go;
using ProcAudit.Python.Tests.Infrastructure;

namespace ProcAudit.Python.Tests;

/// <summary>
/// What the reader does with what it cannot understand: a Python it does not know, a process that is not Python or
/// is gone or exits mid-read, garbage and bit-flipped memory, chains that loop. A note each time, never an
/// exception, never threads or frames made up, and always within bounds.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PythonBadInputTests
{
    public static TheoryData<string> Unsupported => new() { "2.7", "3.6", "3.7" };

    public static TheoryData<string> FrameModels => new() { "3.9", "3.11", "3.12", "3.13" };

    private static readonly Dictionary<int, ulong> s_noFutex = new Dictionary<int, ulong>();

    [Theory(Timeout = 120_000)]
    [MemberData(nameof(Unsupported))]
    public async Task AnUnsupportedVersionGivesANoteNamingIt(string version)
    {
        await Task.Yield();
        using PythonProcess target = PythonProcess.Start(Interpreters.Executable(version), "-c", "import time; time.sleep(600)");
        PythonInterpreter? detected = null;
        for (Stopwatch clock = Stopwatch.StartNew(); detected is null && clock.Elapsed < TimeSpan.FromSeconds(30); Thread.Sleep(50))
        {
            detected = PythonReader.Detect(target.Pid);
        }

        Assert.NotNull(detected);
        Assert.False(detected.Supported);
        Assert.Equal(version, detected.Version);
        Assert.Contains($"unsupported version {version}", detected.Note, StringComparison.Ordinal);

        PythonProcessView read = PythonReader.Read(target.Pid, Views.Budget);
        Assert.Empty(read.Threads);
        Assert.Equal(version, read.Version);
        Assert.Contains(read.Notes, n => n.Contains($"unsupported version {version}", StringComparison.Ordinal));
        Assert.Equal(0, read.MemoryReads);
    }

    [Fact(Timeout = 60_000)]
    public async Task AProcessThatIsNotPythonOrIsGoneGivesANote()
    {
        await Task.Yield();
        using (PythonProcess sleeper = PythonProcess.Start("/bin/sleep", "600"))
        {
            for (Stopwatch clock = Stopwatch.StartNew(); !File.ReadAllText($"/proc/{sleeper.Pid}/maps").Contains("/sleep", StringComparison.Ordinal) && clock.Elapsed < TimeSpan.FromSeconds(10);)
            {
                Thread.Sleep(20);
            }

            Assert.Null(PythonReader.Detect(sleeper.Pid));
            PythonProcessView read = PythonReader.Read(sleeper.Pid, Views.Budget);
            Assert.Null(read.Version);
            Assert.Empty(read.Threads);
            Assert.Contains(read.Notes, n => n.Contains("maps no CPython interpreter", StringComparison.Ordinal));
        }

        int gone = GonePid();
        Assert.Null(PythonReader.Detect(gone));
        PythonProcessView after = PythonReader.Read(gone, Views.Budget);
        Assert.Empty(after.Threads);
        Assert.Contains(after.Notes, n => n.Contains($"process {gone} is gone", StringComparison.Ordinal));
    }

    [Fact(Timeout = 180_000)]
    public async Task AProcessExitingWhileItIsReadGivesNotesNotExceptions()
    {
        (PythonProcess target, _) = PythonProcess.StartWaits(Interpreters.Executable("3.12"), "idle", "1000");
        try
        {
            int pid = target.Pid;
            int reads = 0;
            int cut = 0;
            Task reader = Task.Run(() =>
            {
                for (Stopwatch clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(3);)
                {
                    PythonProcessView read = PythonReader.Read(pid, Views.Budget);
                    reads++;
                    cut += read.Notes.Length > 0 ? 1 : 0;
                }
            });
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            target.Dispose();
            await reader;

            PythonProcessView after = PythonReader.Read(pid, Views.Budget);
            Assert.Empty(after.Threads);
            Assert.NotEmpty(after.Notes);
            Assert.True(reads > 1 && cut > 0, $"{reads} reads, {cut} with notes");
        }
        finally
        {
            target.Dispose();
        }
    }

    [Theory(Timeout = 240_000)]
    [MemberData(nameof(FrameModels))]
    public async Task GarbageAndBitFlippedMemoryGiveNotesNeverExceptions(string version)
    {
        await Task.Yield();
        (PythonProcess process, _) = PythonProcess.StartWaits(Interpreters.Executable(version), "waits");
        using (process)
        {
            PythonTarget target = LiveTarget(process.Pid);

            // The real futex waits, so the lock reader runs on the corrupted memory too.
            Dictionary<int, ulong> futex = FutexWaits.Of(process.Pid);
            for (int seed = 0; seed < 40; seed++)
            {
                List<string> notes = new List<string>();
                var threads = ThreadWalker.ReadFrom(target, new GarbageMemory(seed), futex, Stopwatch.StartNew(), TimeSpan.FromMilliseconds(250), CancellationToken.None, notes);

                // Random words rarely pass the back-pointer and type checks; when they do, everything stays bounded.
                Assert.True(notes.Count > 0 || threads.Length > 0);
                Assert.All(threads, t => Assert.True(t.Frames.Length <= FrameWalker.MaxFrames));
                Assert.All(threads, t => Assert.True(t.NativeThreadId is null or > 0));
            }

            using ProcessMemory memory = ProcessMemory.TryOpen(process.Pid, out _)!;
            int withFrames = 0;
            int damaged = 0;
            for (int seed = 0; seed < 100; seed++)
            {
                List<string> notes = new List<string>();
                var threads = ThreadWalker.ReadFrom(target, new FlippingMemory(memory, seed), futex, Stopwatch.StartNew(), TimeSpan.FromSeconds(2), CancellationToken.None, notes);
                withFrames += threads.Any(t => t.Frames.Length > 0) ? 1 : 0;
                damaged += notes.Count > 0 || threads.Any(t => t.Note is not null) ? 1 : 0;
            }

            // The corruption reached the walk (notes), and the walk got as far as frames often enough to be tested.
            Assert.True(withFrames > 10, $"only {withFrames} of 100 corrupted reads got as far as frames");
            Assert.True(damaged > 10, $"only {damaged} of 100 corrupted reads noticed anything");
        }
    }

    [Theory]
    [MemberData(nameof(FrameModels))]
    public void AFrameChainThatLoopsIsCutWithANote(string version)
    {
        SyntheticPython python = new SyntheticPython(PythonLayouts.ForMinor(PythonVersion.FromFileName("python" + version)!.Value)!);
        python.ThreadState(0x30_0000, next: 0, frame: 0x40_0000, first: true);
        python.Frame(0x40_0000, back: 0x41_0000);
        python.Frame(0x41_0000, back: 0x40_0000);

        List<string> notes = new List<string>();
        var threads = ThreadWalker.ReadFrom(python.Target, python.Memory, s_noFutex, Stopwatch.StartNew(), Views.Budget, CancellationToken.None, notes);
        PythonThread thread = Assert.Single(threads);
        Assert.Equal(["f", "f"], thread.Frames.Select(f => f.Function));
        Assert.Equal("synthetic.py", thread.Frames[0].File);
        Assert.Contains("loops back to 0x400000", thread.Note, StringComparison.Ordinal);
        Assert.Empty(notes);
    }

    [Theory]
    [MemberData(nameof(FrameModels))]
    public void AnEndlessFrameChainStopsAtTheBound(string version)
    {
        SyntheticPython python = new SyntheticPython(PythonLayouts.ForMinor(PythonVersion.FromFileName("python" + version)!.Value)!);
        python.ThreadState(0x30_0000, next: 0, frame: 0x1000_0000, first: true);
        for (ulong i = 0; i < 5000; i++)
        {
            python.Frame(0x1000_0000 + (i * 0x1000), back: 0x1000_0000 + ((i + 1) * 0x1000));
        }

        List<string> notes = new List<string>();
        PythonThread thread = Assert.Single(ThreadWalker.ReadFrom(python.Target, python.Memory, s_noFutex, Stopwatch.StartNew(), Views.Budget, CancellationToken.None, notes));
        Assert.Equal(FrameWalker.MaxFrames, thread.Frames.Length);
        Assert.Contains($"more than {FrameWalker.MaxFrames} frames", thread.Note, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(FrameModels))]
    public void AThreadListThatLoopsIsCutWithANote(string version)
    {
        SyntheticPython python = new SyntheticPython(PythonLayouts.ForMinor(PythonVersion.FromFileName("python" + version)!.Value)!);
        python.ThreadState(0x30_0000, next: 0x31_0000, frame: 0x40_0000, first: true);
        python.ThreadState(0x31_0000, next: 0x30_0000, frame: 0x40_0000);
        python.Frame(0x40_0000, back: 0);
        python.Memory.Write(SyntheticPython.Interpreter, python.Layout.InterpNext, SyntheticPython.Interpreter);

        List<string> notes = new List<string>();
        var threads = ThreadWalker.ReadFrom(python.Target, python.Memory, s_noFutex, Stopwatch.StartNew(), Views.Budget, CancellationToken.None, notes);
        Assert.Equal(2, threads.Length);
        Assert.All(threads, t => Assert.Equal("f", Assert.Single(t.Frames).Function));
        Assert.Contains(notes, n => n.Contains("thread list loops", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.Contains("interpreter list loops", StringComparison.Ordinal));
    }

    [Fact]
    public void ACancelledReadStopsWithANote()
    {
        SyntheticPython python = new SyntheticPython(PythonLayouts.ForMinor(new PythonVersion(3, 12, null))!);
        python.ThreadState(0x30_0000, next: 0, frame: 0x40_0000, first: true);
        python.Frame(0x40_0000, back: 0);
        List<string> notes = new List<string>();
        var threads = ThreadWalker.ReadFrom(python.Target, python.Memory, s_noFutex, Stopwatch.StartNew(), Views.Budget, new CancellationToken(canceled: true), notes);
        Assert.Empty(threads);
        Assert.Contains(notes, n => n.StartsWith("cancelled after 0 threads", StringComparison.Ordinal));
    }

    private static PythonTarget LiveTarget(int pid)
    {
        List<string> notes = new List<string>();
        IReadOnlyList<MappedFile> maps = ProcessMaps.Read(pid, out _)!;
        (MappedFile mapping, PythonBinary binary) = PythonLocator.Find(pid, maps, notes)!.Value;
        return PythonLocator.Target(pid, maps, mapping, binary, notes) ?? throw new InvalidOperationException(string.Join("; ", notes));
    }

    private static int GonePid()
    {
        using Process process = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }
}
