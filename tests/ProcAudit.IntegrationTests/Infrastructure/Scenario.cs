using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;

namespace ProcAudit.IntegrationTests.Infrastructure;

/// <summary>
/// A process tree started in its own session and process group, so that it can be audited
/// in isolation and killed as a whole, including processes that orphan themselves.
/// </summary>
/// <remarks>
/// The tree is started as <c>setsid /bin/sh -c 'exec "$@" &lt;/dev/null &gt;/dev/null 2&gt;&amp;1' ...</c>.
/// The process .NET forks is never a process group leader, so setsid calls setsid(2) and execs
/// in place instead of forking; the shell then execs the program. The pid .NET reports is
/// therefore the program itself, the session leader and the process group leader at once.
/// Stdio is /dev/null so that the audited tree holds no pipes to the test host, which would
/// otherwise show up as spurious pipe edges.
/// </remarks>
internal sealed class Scenario : IDisposable
{

    // `exec "$@"` keeps the pid; $0 only names the wrapper in error messages.
    private const string StdioWrapper = "exec \"$@\" </dev/null >/dev/null 2>&1";

    private static readonly TimeSpan s_reapTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_sweepTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(20);

    private readonly Process _root;
    private readonly ulong? _rootStartTime;
    private int _disposed;

    private Scenario(Process root)
    {
        _root = root;
        Pid = root.Id;

        // Nobody else can reap the root, and .NET reaps it only after it exits, so unless
        // it already died the stat read here belongs to our process.
        _rootStartTime = ProcStat.Read(Pid)?.StartTime;
        Sessions.DisposeAtExit(this);
    }

    /// <summary>The root of the tree, which is also its process group id and session id.</summary>
    public int Pid { get; }

    /// <summary>The root's exit code (128 + N when a signal N ended it); only once it has exited.</summary>
    public int ExitCode => _root.ExitCode;

    public bool HasExited
    {
        get
        {
            try
            {
                return _root.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    public static Scenario StartShell(string script)
    {
        return StartProgram("/bin/sh", "-c", script);
    }

    public static Scenario StartProgram(string file, params string[] args)
    {
        string setsid = Executables.FindOnPath("setsid")
            ?? throw new InvalidOperationException("setsid (util-linux) is not on PATH");
        ProcessStartInfo startInfo = new ProcessStartInfo(setsid)
        {
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("/bin/sh");
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add(StdioWrapper);
        startInfo.ArgumentList.Add("procaudit-scenario");
        startInfo.ArgumentList.Add(file);
        foreach (string arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        Process root = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"failed to start {file}");
        return new Scenario(root);
    }

    /// <summary>Runs <c>dotnet ProcAudit.Scenarios.dll verb</c>.</summary>
    public static Scenario StartScenarioVerb(string verb)
    {
        return StartProgram(LocateDotnetHost(), LocateScenariosAssembly(), verb);
    }

    /// <summary>Runs one <c>dotnet ProcAudit.Scenarios.dll verb</c> for each verb, all children of one sh that waits for them.</summary>
    public static Scenario StartScenarioVerbs(params string[] verbs)
    {
        string each = string.Concat(verbs.Select(v => $"'{LocateDotnetHost()}' '{LocateScenariosAssembly()}' {v} & "));
        return StartShell(each + "wait");
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or the timeout elapses.</summary>
    public static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        Stopwatch stopwatch = Stopwatch.StartNew();
        while (true)
        {
            if (condition())
            {
                return true;
            }

            if (stopwatch.Elapsed >= timeout)
            {
                return false;
            }

            Thread.Sleep(s_pollInterval);
        }
    }

    /// <summary>Pids whose parent chain leads to <see cref="Pid"/>, nearest first; excludes the root.</summary>
    public IReadOnlyList<int> Descendants()
    {
        ILookup<int, int> childrenByParent = ProcStat.ReadAll().ToLookup(s => s.PPid, s => s.Pid);
        List<int> result = new List<int>();
        Queue<int> pending = new Queue<int>();
        pending.Enqueue(Pid);
        while (pending.Count > 0)
        {
            foreach (int child in childrenByParent[pending.Dequeue()])
            {
                // A ppid cycle is impossible in a consistent snapshot, but /proc is read
                // non-atomically while pids get reused, so guard against looping forever.
                if (child != Pid && !result.Contains(child))
                {
                    result.Add(child);
                    pending.Enqueue(child);
                }
            }
        }

        return result;
    }

    /// <summary>The first descendant whose comm matches (the kernel truncates comm to 15 bytes).</summary>
    public int? ChildByComm(string comm)
    {
        string truncated = comm.Length > 15 ? comm[..15] : comm;
        foreach (int pid in Descendants())
        {
            if (ProcStat.Read(pid) is ProcStat stat && stat.Comm == truncated)
            {
                return pid;
            }
        }

        return null;
    }

    /// <summary>Live (non-zombie) processes in this scenario's session.</summary>
    public IReadOnlyList<ProcStat> SessionMembers()
    {
        return Sessions.LiveMembers(Pid);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            KillTree();
        }
        catch (Exception)
        {
            // Dispose runs in finally blocks and at process exit; a failure to clean up
            // must not mask the test's own outcome.
        }

        try
        {
            _root.WaitForExit(s_reapTimeout);
        }
        catch (Exception)
        {
            // Same reason as above.
        }

        _root.Dispose();
        Sessions.Forget(this);
    }

    private void KillTree()
    {
        // The kernel does not hand out a pid while it is still in use as a pgid or sid, so a
        // different process now owning our pid proves our session is entirely gone, and
        // killing by that id would hit a stranger.
        ProcStat? current = ProcStat.Read(Pid);
        if (_rootStartTime is ulong startTime && current is ProcStat other && other.StartTime != startTime)
        {
            return;
        }

        Sessions.KillAll(Pid, leaderIsOurs: current is not null && _rootStartTime is not null, s_sweepTimeout);
    }

    private static string LocateDotnetHost()
    {
        // The SDK exports the host it runs under to child processes; prefer it so the
        // scenarios run on the same installation as the tests.
        string? fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && Executables.IsExecutableFile(fromSdk))
        {
            return fromSdk;
        }

        string? processPath = Environment.ProcessPath;
        if (processPath is not null && Path.GetFileName(processPath) == "dotnet")
        {
            return processPath;
        }

        string? onPath = Executables.FindOnPath("dotnet");
        if (onPath is not null)
        {
            return onPath;
        }

        // <root>/shared/Microsoft.NETCore.App/<version>/ -> <root>/dotnet
        string runtimeDirectory = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd('/');
        string? installRoot = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(runtimeDirectory)));
        string fromRuntime = Path.Combine(installRoot ?? "/usr/share/dotnet", "dotnet");
        if (Executables.IsExecutableFile(fromRuntime))
        {
            return fromRuntime;
        }

        throw new InvalidOperationException("cannot find the dotnet host to run the scenarios");
    }

    private static string LocateScenariosAssembly() => ScenarioPrograms.AssemblyPath(typeof(Scenario).Assembly);
}
