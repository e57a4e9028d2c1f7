using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using ProcAudit.Python;

namespace ProcAudit.Benchmarks;

/// <summary>
/// What reading a Python process's threads costs: every thread state, its kernel TID, the GIL and every frame, from
/// /proc/PID/mem (issue 19's budget: 20 ms with 10 threads, 100 ms with 1,000). The program is
/// tests/fixtures/programs/python-thread-waits.py in "idle" mode (threads waiting on an Event, main reading a pipe),
/// run by pyenv's CPython of each frame model: 3.9 (frame objects), 3.11 (interpreter frames), 3.13 (_Py_DebugOffsets).
/// </summary>
[MemoryDiagnoser]
public class PythonReadBenchmark
{
    private Process? _program;
    private string _view = "";
    private Dictionary<int, ulong> _futex = new();

    [Params("3.9", "3.11", "3.13")]
    public string Version { get; set; } = "";

    [Params(10, 1000)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string versions = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".pyenv", "versions");
        string home = Directory.GetDirectories(versions, Version + ".*").OrderBy(d => d.Length).ThenBy(d => d, StringComparer.Ordinal).LastOrDefault()
            ?? throw new InvalidOperationException($"CPython {Version} is not installed under {versions}");
        _view = Path.Combine(Path.GetTempPath(), $"procaudit-bench-python-{Guid.NewGuid():N}.json");
        ProcessStartInfo start = new(Path.Combine(home, "bin", "python" + Version)) { UseShellExecute = false };
        foreach (string arg in new[] { Repository.Program("python-thread-waits.py"), "idle", _view, (Threads - 1).ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        _program = Process.Start(start)!;
        for (Stopwatch clock = Stopwatch.StartNew(); !File.Exists(_view); Thread.Sleep(20))
        {
            if (_program.HasExited || clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new InvalidOperationException("the program wrote no view of its threads");
            }
        }

        _futex = FutexWaits(_program.Id);
        PythonProcessView check = Read();
        if (check.Threads.Length != Threads || check.Notes.Length > 0)
        {
            throw new InvalidOperationException($"read {check.Threads.Length} threads: {string.Join("; ", check.Notes)}");
        }

        Console.WriteLine($"// one read: {check.Threads.Length} threads, {check.Threads.Sum(t => t.Frames.Length)} frames, {check.Threads.Count(t => t.WaitsForLock is not null)} lock waits, {check.MemoryReads} reads, {check.BytesRead} bytes from /proc/PID/mem");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _program?.Kill(entireProcessTree: true);
        _program?.WaitForExit();
        File.Delete(_view);
    }

    /// <summary>As the Python view reads: with the futex each blocked thread sleeps on, so every idle thread's Event lock is looked for too.</summary>
    [Benchmark(Description = "read every Python thread: TID, GIL, frames, the lock each waits on")]
    public PythonProcessView Read() => PythonReader.Read(_program!.Id, TimeSpan.FromSeconds(30), _futex);

    private static Dictionary<int, ulong> FutexWaits(int pid)
    {
        Dictionary<int, ulong> waits = new();
        foreach (string task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            string[] fields = File.ReadAllText(Path.Combine(task, "syscall")).Split(' ');
            if (fields.Length > 1 && fields[0] == "202")
            {
                waits[int.Parse(Path.GetFileName(task), System.Globalization.CultureInfo.InvariantCulture)] = Convert.ToUInt64(fields[1], 16);
            }
        }

        return waits;
    }
}
