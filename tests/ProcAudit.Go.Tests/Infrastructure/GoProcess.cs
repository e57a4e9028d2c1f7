using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ProcAudit.Go.Tests.Infrastructure;

/// <summary>
/// A Go program started in its own session and process group (setsid), stdin/stdout on /dev/null and stderr in a
/// file, killed as a session on Dispose (and at test host exit, if a test could not dispose it). Only the tests
/// signal it (SIGQUIT for the runtime's own traceback).
/// </summary>
internal sealed class GoProcess : IDisposable
{
    private const int Sigquit = 3;
    private const string Wrapper = "exec \"$@\" </dev/null >/dev/null 2>\"$0\"";
    private static readonly TimeSpan s_exitTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Long enough for the exec on a loaded machine; a program that does not get there is a failure.</summary>
    private static readonly TimeSpan s_execTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(20);

    private readonly Process _process;
    private readonly string _stderrPath;
    private int _disposed;

    private GoProcess(Process process, string stderrPath)
    {
        _process = process;
        _stderrPath = stderrPath;
        Pid = process.Id;
        Sessions.DisposeAtExit(this);
    }

    /// <summary>The program's pid, also its process group and session id.</summary>
    public int Pid { get; }

    /// <summary>
    /// Starts <paramref name="file"/> and returns once the wrapper shell has exec'd it (before that, /proc/PID is
    /// the shell's); GOTRACEBACK=system so SIGQUIT prints runtime frames and goroutines too.
    /// </summary>
    public static GoProcess Start(string file, params string[] args)
    {
        string stderrPath = Path.Combine(Path.GetTempPath(), $"procaudit-go-{Guid.NewGuid():N}.stderr");
        ProcessStartInfo startInfo = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (string arg in new[] { "/bin/sh", "-c", Wrapper, stderrPath, file }.Concat(args))
        {
            startInfo.ArgumentList.Add(arg);
        }

        startInfo.Environment["GOTRACEBACK"] = "system";
        Process process = Process.Start(startInfo) ?? throw new InvalidOperationException($"failed to start {file}");
        GoProcess started = new GoProcess(process, stderrPath);
        try
        {
            started.WaitForExec(file);
            return started;
        }
        catch
        {
            started.Dispose();
            throw;
        }
    }

    /// <summary>Sends SIGQUIT and returns what the Go runtime printed (all goroutines with their stacks).</summary>
    public string QuitAndReadTraceback()
    {
        kill(Pid, Sigquit);
        _process.WaitForExit(s_exitTimeout);
        return File.ReadAllText(_stderrPath);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Sessions.KillQuietly(_process, s_exitTimeout);
        try
        {
            File.Delete(_stderrPath);
        }
        catch (IOException)
        {
            // A leftover file in /tmp is no reason to fail the test.
        }

        _process.Dispose();
        Sessions.Forget(this);
    }

    private void WaitForExec(string file)
    {
        // The kernel names a process after the file it executes, cut to 15 bytes.
        string name = Path.GetFileName(file);
        string comm = name.Length > 15 ? name[..15] : name;
        Stopwatch waited = Stopwatch.StartNew();
        string? seen = null;
        while (waited.Elapsed < s_execTimeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{file} exited with {_process.ExitCode} before it could be read: {ReadStderr()}");
            }

            seen = ProcStat.Read(Pid)?.Comm;
            if (seen == comm)
            {
                return;
            }

            Thread.Sleep(s_pollInterval);
        }

        throw new TimeoutException($"{Pid} was still '{seen}', not {file}, {s_execTimeout.TotalSeconds} s after the start");
    }

    private string ReadStderr()
    {
        try
        {
            return File.ReadAllText(_stderrPath);
        }
        catch (IOException)
        {
            return "(no stderr)";
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
