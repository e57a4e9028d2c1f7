using System.Diagnostics;

namespace ProcAudit.TestSupport;

/// <summary>
/// A program started in a session of its own with its stdio redirected (stdin closed at once, so it never waits for
/// the test host's input), whose whole session is killed on Dispose, and at test host exit if a test never got to it.
/// </summary>
/// <remarks>
/// Started as <c>setsid file args...</c>: the process .NET forks is never a group leader, so setsid(1) calls
/// setsid(2) and execs in place; the pid .NET reports is the program's, and also its session and group id, so
/// everything it starts (a compiler's cc1/as/ld, go's compile/link, a forked child) is found by session.
/// </remarks>
internal sealed class SessionChild : IDisposable
{
    private static readonly TimeSpan s_killBound = TimeSpan.FromSeconds(5);
    private int _killed;

    private SessionChild(Process process)
    {
        Process = process;
        Sessions.DisposeAtExit(this);
    }

    public Process Process { get; }

    /// <summary>The program's pid, also its session and process group id.</summary>
    public int Pid => Process.Id;

    /// <summary>Starts <paramref name="file"/>; an <paramref name="environment"/> value of null removes the variable.</summary>
    public static SessionChild Start(
        string file,
        IEnumerable<string> args,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        string setsid = Executables.FindOnPath("setsid")
            ?? throw new InvalidOperationException("setsid (util-linux) is needed to run programs in a session of their own, and is not on PATH");
        ProcessStartInfo start = new ProcessStartInfo(setsid)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        start.ArgumentList.Add(file);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (KeyValuePair<string, string?> variable in environment ?? new Dictionary<string, string?>())
        {
            if (variable.Value is null)
            {
                start.Environment.Remove(variable.Key);
            }
            else
            {
                start.Environment[variable.Key] = variable.Value;
            }
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        SessionChild child = new SessionChild(process);
        process.StandardInput.Close();
        return child;
    }

    /// <summary>SIGKILLs the whole session, once; the process object stays readable (exit code).</summary>
    public void KillSession()
    {
        if (Interlocked.Exchange(ref _killed, 1) != 0)
        {
            return;
        }

        Sessions.KillQuietly(Process, s_killBound);
    }

    public void Dispose()
    {
        KillSession();
        Process.Dispose();
        Sessions.Forget(this);
    }
}
