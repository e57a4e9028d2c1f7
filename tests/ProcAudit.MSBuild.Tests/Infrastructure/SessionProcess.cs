using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ProcAudit.MSBuild.Tests.Infrastructure;

/// <summary>
/// A program (here: dotnet pack or dotnet build) started in its own session and process group,
/// with stdout and stderr captured into one log, so that everything it starts, including
/// processes it leaves behind in the background, can be found by session id and killed.
/// </summary>
/// <remarks>
/// Started as <c>setsid program args...</c>: the process .NET forks is never a process group
/// leader, so setsid(1) calls setsid(2) and execs in place instead of forking. The pid .NET
/// reports is therefore the program itself, and also the session id and process group id.
/// Stdin is a pipe closed at once, so nothing ever waits for the test host's input.
/// </remarks>
internal sealed class SessionProcess : IDisposable
{
    private const int Sigint = 2;

    private static readonly TimeSpan s_sessionStartTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_sweepTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_outputDrainTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(20);

    private readonly Process _process;
    private readonly ulong? _leaderStartTime;
    private readonly Stopwatch _clock;
    private readonly List<string> _lines = new List<string>();
    private readonly object _linesLock = new object();
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;
    private int _disposed;

    private SessionProcess(Process process, Stopwatch clock)
    {
        _process = process;
        _clock = clock;
        SessionId = process.Id;

        // Nobody else can reap the leader, and .NET reaps it only after it exits, so unless it
        // died already the stat read here is our process's.
        _leaderStartTime = ProcessTable.Read(SessionId)?.StartTime;
        Sessions.DisposeAtExit(this);

        _stdoutPump = Task.Run(() => Pump(process.StandardOutput));
        _stderrPump = Task.Run(() => Pump(process.StandardError));
    }

    /// <summary>The pid of the program, which is also its session id and process group id.</summary>
    public int SessionId { get; }

    public TimeSpan Elapsed => _clock.Elapsed;

    public bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>What the program wrote to stdout and stderr so far, one line each, in arrival order.</summary>
    public string Output
    {
        get
        {
            lock (_linesLock)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    public static SessionProcess Start(string file, IEnumerable<string> args, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        string setsid = Executables.FindOnPath("setsid")
            ?? throw new InvalidOperationException("setsid (util-linux) is not on PATH");
        ProcessStartInfo startInfo = new ProcessStartInfo(setsid)
        {
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add(file);
        foreach (string arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        // The test host runs under `dotnet test`, which exports MSBuild's own settings (paths of
        // its SDK resolver, node handshakes, ...). A nested build must start from a clean slate,
        // as it would on a developer's machine; the caller sets what it needs afterwards.
        foreach (string name in startInfo.Environment.Keys.ToList())
        {
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("_MSBUILD", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
            {
                startInfo.Environment.Remove(name);
            }
        }

        foreach (KeyValuePair<string, string> variable in environment)
        {
            startInfo.Environment[variable.Key] = variable.Value;
        }

        Stopwatch clock = Stopwatch.StartNew();
        Process process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"failed to start {file}");
        process.StandardInput.Close();
        SessionProcess started = new SessionProcess(process, clock);
        started.WaitForOwnSession();
        return started;
    }

    /// <summary>Waits for the program to exit; false when <paramref name="timeout"/> elapsed first.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        TimeSpan remaining = timeout - _clock.Elapsed;
        return _process.WaitForExit(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
    }

    /// <summary>Waits for the program to exit, at most <paramref name="timeout"/> from now.</summary>
    public bool WaitForExitFromNow(TimeSpan timeout)
    {
        return _process.WaitForExit(timeout);
    }

    /// <summary>SIGINT to the program alone, as Ctrl+C would deliver it to `dotnet build`.</summary>
    public void Interrupt()
    {
        if (!HasExited)
        {
            kill(SessionId, Sigint);
        }
    }

    /// <summary>Live members of the session; polls up to <paramref name="settle"/> for them to go away first.</summary>
    public IReadOnlyList<ProcessEntry> Survivors(TimeSpan settle)
    {
        IReadOnlyList<ProcessEntry> members = ProcessTable.LiveSessionMembers(SessionId);
        Stopwatch waited = Stopwatch.StartNew();
        while (members.Count > 0 && waited.Elapsed < settle)
        {
            Thread.Sleep(s_pollInterval);
            members = ProcessTable.LiveSessionMembers(SessionId);
        }

        return members;
    }

    /// <summary>Polls until a live session member satisfies <paramref name="match"/>, or the timeout elapses.</summary>
    public ProcessEntry? WaitForMember(Func<ProcessEntry, bool> match, TimeSpan timeout)
    {
        Stopwatch waited = Stopwatch.StartNew();
        while (true)
        {
            ProcessEntry? found = ProcessTable.LiveSessionMembers(SessionId).FirstOrDefault(match);
            if (found is not null || HasExited || waited.Elapsed >= timeout)
            {
                return found;
            }

            Thread.Sleep(s_pollInterval);
        }
    }

    /// <summary>
    /// SIGKILLs the whole session, then waits (bounded) until its output pipes reach EOF, which
    /// they do once nothing in the session holds them any more.
    /// </summary>
    public void KillSessionAndDrain()
    {
        KillSession();
        try
        {
            Task.WaitAll(new[] { _stdoutPump, _stderrPump }, s_outputDrainTimeout);
        }
        catch (AggregateException)
        {
            // A pump that failed has recorded what it read; the log is as complete as it gets.
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            KillSessionAndDrain();
            _process.WaitForExit(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
            // Dispose runs in finally blocks and at process exit; a failure to clean up must not
            // mask the test's own outcome.
        }

        _process.Dispose();
        Sessions.Forget(this);
    }

    private void WaitForOwnSession()
    {
        // Between fork and setsid(2) the child still belongs to the test host's session: wait
        // until it has its own, so that everything it starts is found by session id.
        Stopwatch waited = Stopwatch.StartNew();
        while (waited.Elapsed < s_sessionStartTimeout)
        {
            ProcessEntry? entry = ProcessTable.Read(SessionId);
            if (entry is null || entry.Session == SessionId || HasExited)
            {
                return;
            }

            Thread.Sleep(s_pollInterval);
        }

        Dispose();
        throw new InvalidOperationException($"process {SessionId} did not become a session leader within {s_sessionStartTimeout.TotalSeconds} s");
    }

    private void KillSession()
    {
        // Kill the process group at once while its leader is surely ours: the kernel does not
        // reuse a pid still in use as a pgid or sid, but once the leader is gone and reaped, a
        // stranger may own the pid, and kill(-pid) would hit the stranger's group.
        bool leaderIsOurs = _leaderStartTime is ulong startTime
            && ProcessTable.Read(SessionId) is ProcessEntry leader
            && leader.StartTime == startTime;
        Sessions.KillAll(SessionId, leaderIsOurs, s_sweepTimeout);
    }

    private void Pump(StreamReader reader)
    {
        while (reader.ReadLine() is string line)
        {
            lock (_linesLock)
            {
                _lines.Add(line);
            }
        }
    }

    /// <summary>The dotnet host the tests run under, so nested builds use the same SDK installation.</summary>
    public static string DotnetHost()
    {
        string? fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        string? processPath = Environment.ProcessPath;
        if (processPath is not null && Path.GetFileName(processPath) == "dotnet")
        {
            return processPath;
        }

        return Executables.FindOnPath("dotnet") ?? throw new InvalidOperationException("cannot find the dotnet host");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
