using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ProcAudit.Go.Tests.Infrastructure;

/// <summary>
/// A Go program started in its own session and process group (setsid), stdin/stdout on /dev/null and stderr in a
/// file, killed as a group on Dispose. Only the tests signal it (SIGQUIT for the runtime's own traceback).
/// </summary>
internal sealed class GoProcess : IDisposable
{
    private const int Sigkill = 9;
    private const int Sigquit = 3;
    private const string Wrapper = "exec \"$@\" </dev/null >/dev/null 2>\"$0\"";
    private static readonly TimeSpan s_exitTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly string _stderrPath;
    private int _disposed;

    private GoProcess(Process process, string stderrPath)
    {
        _process = process;
        _stderrPath = stderrPath;
        Pid = process.Id;
    }

    /// <summary>The program's pid, also its process group and session id.</summary>
    public int Pid { get; }

    /// <summary>Starts <paramref name="file"/>; GOTRACEBACK=system so SIGQUIT prints runtime frames and goroutines too.</summary>
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
        return new GoProcess(process, stderrPath);
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

        try
        {
            kill(-Pid, Sigkill);
            _process.WaitForExit(s_exitTimeout);
            File.Delete(_stderrPath);
        }
        catch (Exception)
        {
            // Dispose runs in finally blocks: a failed cleanup must not hide the test's own outcome.
        }

        _process.Dispose();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
