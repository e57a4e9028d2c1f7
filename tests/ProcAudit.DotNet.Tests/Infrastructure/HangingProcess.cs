using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;

namespace ProcAudit.DotNet.Tests.Infrastructure;

/// <summary>
/// A process that hangs on purpose, started in its own session and process group so it is inspected in isolation
/// and killed as a whole, children included.
/// </summary>
/// <remarks>
/// Started as <c>setsid /bin/sh -c 'exec "$@" &lt;/dev/null &gt;/dev/null 2&gt;&amp;1' ...</c>: the process .NET forks is
/// never a group leader, so setsid(1) calls setsid(2) and execs in place, and the shell execs the program, so the
/// pid .NET reports is the program itself, leader of its session and group. Stdio is /dev/null so the test host's
/// pipes never show up in the target (the same launcher as the integration tests use, copied, not referenced).
/// </remarks>
internal sealed class HangingProcess : IDisposable
{
    private const int Sigkill = 9;
    private const string ScenariosAssemblyName = "ProcAudit.Scenarios";
    private const string StdioWrapper = "exec \"$@\" </dev/null >/dev/null 2>&1";

    private static readonly ConcurrentDictionary<HangingProcess, byte> s_live = new ConcurrentDictionary<HangingProcess, byte>();
    private static readonly TimeSpan s_sweepTimeout = TimeSpan.FromSeconds(5);

    private readonly Process _root;
    private int _disposed;

    static HangingProcess()
    {
        // Whatever a crashed test could not dispose dies with the test host, never outlives the run.
        AppDomain.CurrentDomain.ProcessExit += static (_, _) =>
        {
            foreach (HangingProcess process in s_live.Keys)
            {
                process.Dispose();
            }
        };
    }

    private HangingProcess(Process root)
    {
        _root = root;
        Pid = root.Id;
        s_live.TryAdd(this, 0);
    }

    /// <summary>The program's pid, also its process group and session id.</summary>
    public int Pid { get; }

    /// <summary>Runs <c>dotnet ProcAudit.Scenarios.dll verb</c>.</summary>
    public static HangingProcess StartScenario(string verb, IReadOnlyDictionary<string, string>? environment = null)
    {
        return Start(LocateDotnetHost(), [LocateScenariosAssembly(), verb], environment);
    }

    /// <summary>Runs any program, e.g. <c>sleep 600</c>.</summary>
    public static HangingProcess Start(string file, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        ProcessStartInfo startInfo = new ProcessStartInfo("setsid") { UseShellExecute = false };
        startInfo.ArgumentList.Add("/bin/sh");
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add(StdioWrapper);
        startInfo.ArgumentList.Add("procaudit-dotnet-scenario");
        startInfo.ArgumentList.Add(file);
        foreach (string arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        if (environment is not null)
        {
            foreach (KeyValuePair<string, string> variable in environment)
            {
                startInfo.Environment[variable.Key] = variable.Value;
            }
        }

        Process root = Process.Start(startInfo) ?? throw new InvalidOperationException($"failed to start {file}");
        return new HangingProcess(root);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            // The whole group first (the scenario's children share it), then anything that left the group but
            // stayed in the session.
            kill(-Pid, Sigkill);
            ProcThreads.WaitUntil(
                () =>
                {
                    List<int> members = SessionMembers();
                    foreach (int member in members)
                    {
                        kill(member, Sigkill);
                    }

                    return members.Count == 0;
                },
                s_sweepTimeout);
            _root.WaitForExit(s_sweepTimeout);
        }
        catch (Exception)
        {
            // Dispose runs in finally blocks: a failed cleanup must not hide the test's own outcome.
        }

        _root.Dispose();
        s_live.TryRemove(this, out _);
    }

    /// <summary>Live (non-zombie) processes whose session is this one's.</summary>
    private List<int> SessionMembers()
    {
        List<int> members = new List<int>();
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            string? stat = ProcThreads.TryRead($"/proc/{pid}/stat");
            if (stat is null)
            {
                continue;
            }

            // After the comm's closing parenthesis: state ppid pgrp session ...
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length > 3 && fields[3] == Pid.ToString(CultureInfo.InvariantCulture) && fields[0] is not ("Z" or "X"))
            {
                members.Add(pid);
            }
        }

        return members;
    }

    private static string LocateDotnetHost()
    {
        string? fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        if (Environment.ProcessPath is string processPath && Path.GetFileName(processPath) == "dotnet")
        {
            return processPath;
        }

        // <root>/shared/Microsoft.NETCore.App/<version>/ -> <root>/dotnet
        string runtimeDirectory = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd('/');
        string root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(runtimeDirectory))) ?? "/usr/share/dotnet";
        return Path.Combine(root, "dotnet");
    }

    private static string LocateScenariosAssembly()
    {
        // The project reference builds the scenarios without copying them here: find their own output, built with
        // this configuration.
        string testDirectory = AppContext.BaseDirectory.TrimEnd('/');
        string configuration = typeof(HangingProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        DirectoryInfo? directory = new DirectoryInfo(testDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ProcAudit.sln")))
        {
            directory = directory.Parent;
        }

        if (directory is null)
        {
            throw new InvalidOperationException($"cannot find the repository root (ProcAudit.sln) above {testDirectory}");
        }

        string assembly = Path.Combine(directory.FullName, "tests", ScenariosAssemblyName, "bin", configuration, "net10.0", ScenariosAssemblyName + ".dll");
        return File.Exists(assembly)
            ? assembly
            : throw new FileNotFoundException($"{ScenariosAssemblyName}.dll not found; build tests/{ScenariosAssemblyName} ({configuration})", assembly);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
