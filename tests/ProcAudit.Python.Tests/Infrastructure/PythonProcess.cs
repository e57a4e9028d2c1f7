using System.Diagnostics;

namespace ProcAudit.Python.Tests.Infrastructure;

/// <summary>
/// A Python program in its own session and process group (setsid), output in a file, killed as a whole group on
/// Dispose (its threads and anything it started go with it).
/// </summary>
internal sealed class PythonProcess : IDisposable
{
    private const string Redirect = "exec \"$@\" </dev/null >\"$0\" 2>&1";

    /// <summary>read(2) on x86-64.</summary>
    public const int ReadSyscall = 0;

    /// <summary>clock_nanosleep(2) on x86-64: libc's sleep().</summary>
    public const int SleepSyscall = 230;
    private static readonly TimeSpan s_reapTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_blockTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly string _outputPath;
    private int _disposed;

    private PythonProcess(Process process, string stem)
    {
        _process = process;
        _outputPath = stem + ".out";
        ViewPath = stem + ".json";
        Pid = process.Id;
    }

    /// <summary>The interpreter's pid, also its process group and session id.</summary>
    public int Pid { get; }

    /// <summary>Where the program writes its own view (the second argument of python-thread-waits.py).</summary>
    public string ViewPath { get; }

    /// <summary>Starts <paramref name="python"/> with <paramref name="args"/>.</summary>
    public static PythonProcess Start(string python, params string[] args) => Start(NewStem(), python, args);

    /// <summary>Runs tests/fixtures/programs/python-thread-waits.py in <paramref name="mode"/> and waits for its view.</summary>
    public static (PythonProcess Process, InterpreterView View) StartWaits(string python, string mode, params string[] more)
    {
        string stem = NewStem();
        PythonProcess process = Start(stem, python, [GoPrograms.Source("python-thread-waits.py"), mode, stem + ".json", .. more]);
        try
        {
            InterpreterView view = process.WaitForView(TimeSpan.FromSeconds(60));

            // The view is written just before main blocks in its read, on the same line; until main is in the read
            // it still runs Python (and holds the GIL). In "gil" mode main waits for the GIL instead.
            if (mode != "gil")
            {
                process.WaitForSyscall(process.Pid, ReadSyscall);
            }

            return (process, view);
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    /// <summary>What the program printed so far.</summary>
    public string Output() => File.Exists(_outputPath) ? File.ReadAllText(_outputPath) : string.Empty;

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            Signals.Kill(-Pid, 9);
            _process.WaitForExit(s_reapTimeout);
            File.Delete(_outputPath);
            File.Delete(ViewPath);
        }
        catch (Exception)
        {
            // Dispose runs in finally blocks: a failed cleanup must not hide the test's own outcome.
        }

        _process.Dispose();
    }

    private static string NewStem() => Path.Combine(Path.GetTempPath(), $"procaudit-python-{Guid.NewGuid():N}");

    private static PythonProcess Start(string stem, string python, IEnumerable<string> args)
    {
        ProcessStartInfo start = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (string arg in new[] { "/bin/sh", "-c", Redirect, stem + ".out", python }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        return new PythonProcess(Process.Start(start) ?? throw new InvalidOperationException($"failed to start {python}"), stem);
    }

    /// <summary>
    /// Waits until thread <paramref name="tid"/> is blocked in system call <paramref name="number"/> (x86-64 numbers),
    /// as /proc/PID/task/TID/syscall tells: the kernel's word that a thread has stopped where the test wants it.
    /// </summary>
    public void WaitForSyscall(int tid, int number)
    {
        string expected = number.ToString(System.Globalization.CultureInfo.InvariantCulture) + " ";
        Stopwatch clock = Stopwatch.StartNew();
        string syscall = string.Empty;
        while (!syscall.StartsWith(expected, StringComparison.Ordinal))
        {
            if (_process.HasExited || clock.Elapsed > s_blockTimeout)
            {
                throw new InvalidOperationException($"thread {tid} did not block in system call {number} in {clock.Elapsed.TotalSeconds:0} s (last: {syscall.Trim()}): {Output()}");
            }

            Thread.Sleep(5);
            syscall = File.ReadAllText($"/proc/{Pid}/task/{tid}/syscall");
        }
    }

    private InterpreterView WaitForView(TimeSpan timeout)
    {
        Stopwatch clock = Stopwatch.StartNew();
        while (!File.Exists(ViewPath))
        {
            if (_process.HasExited || clock.Elapsed > timeout)
            {
                throw new InvalidOperationException($"the program wrote no view in {clock.Elapsed.TotalSeconds:0} s (exited: {_process.HasExited}): {Output()}");
            }

            Thread.Sleep(20);
        }

        return InterpreterView.Parse(File.ReadAllText(ViewPath));
    }
}
