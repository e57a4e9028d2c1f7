using System.Globalization;
using System.Runtime.InteropServices;

namespace ProcAudit.IntegrationTests.Infrastructure;

/// <summary>
/// Tests of the launcher and of the hanging programs themselves: every other integration
/// test trusts that a scenario is isolated, in the state it claims, and fully killed.
/// </summary>
public sealed class ScenarioTests
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_goneTimeout = TimeSpan.FromSeconds(5);

    // dotnet start-up plus the child's start-up and the time to fill a pipe.
    private static readonly TimeSpan s_dotnetTreeTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void Dispose_KillsBackgroundedAndForegroundChildren()
    {
        List<ProcessIdentity> sleeps;
        using (Scenario scenario = Scenario.StartShell("sleep 600 & sleep 600"))
        {
            Assert.True(
                Scenario.WaitUntil(() => SleepsInSession(scenario).Count == 2, s_startTimeout),
                "both sleeps should start");
            sleeps = SleepsInSession(scenario);

            ProcStat root = Assert.NotNull(ProcStat.Read(scenario.Pid));
            Assert.Equal(scenario.Pid, root.PGrp);
            Assert.All(sleeps, s => Assert.Contains(s.Pid, scenario.Descendants()));
            Assert.All(sleeps, s => Assert.Equal(scenario.Pid, ProcStat.Read(s.Pid)?.PGrp));
            sleeps.Add(new ProcessIdentity(root.Pid, root.StartTime));
        }

        AssertAllGone(sleeps);
    }

    [Fact]
    public void Root_IsSessionAndProcessGroupLeader_WithStdioOnDevNull()
    {
        using Scenario scenario = Scenario.StartProgram("sleep", "600");

        // Until the exec chain (setsid, sh, sleep) finishes, fds 0-2 may still be the test host's.
        Assert.True(
            Scenario.WaitUntil(() => ProcStat.Read(scenario.Pid)?.Comm == "sleep", s_startTimeout),
            "the root pid itself should become sleep: setsid and the stdio wrapper exec in place");

        ProcStat stat = Assert.NotNull(ProcStat.Read(scenario.Pid));
        Assert.Equal(scenario.Pid, stat.PGrp);
        Assert.Equal(scenario.Pid, stat.Session);
        Assert.Empty(scenario.Descendants());
        for (int fd = 0; fd <= 2; fd++)
        {
            Assert.Equal("/dev/null", ReadLink($"/proc/{scenario.Pid}/fd/{fd}"));
        }
    }

    [Fact]
    public void StartScenarioVerb_Sleep_RootIsTheDotnetHost()
    {
        using Scenario scenario = Scenario.StartScenarioVerb("sleep");

        Assert.True(
            Scenario.WaitUntil(() => ProcStat.Read(scenario.Pid)?.Comm == "dotnet", s_startTimeout),
            "the root pid should exec into dotnet");
        Assert.Equal("dotnet", Path.GetFileName(ReadLink($"/proc/{scenario.Pid}/exe")));
        string[] commandLine = ReadCommandLine(scenario.Pid);
        Assert.EndsWith("ProcAudit.Scenarios.dll", commandLine[1], StringComparison.Ordinal);
        Assert.Equal("sleep", commandLine[^1]);

        // It must stay up: a verb that crashed would also have passed the checks above.
        Thread.Sleep(TimeSpan.FromMilliseconds(500));
        Assert.False(scenario.HasExited);
        Assert.Equal(scenario.Pid, ProcStat.Read(scenario.Pid)?.PGrp);
    }

    [Fact]
    public void Dispose_KillsDoubleForkedOrphanInTheSameSession()
    {
        List<ProcessIdentity> sleeps;
        using (Scenario scenario = Scenario.StartShell("(sleep 600 &) ; sleep 600"))
        {
            // The subshell exits right away, so its sleep is reparented out of the tree.
            Assert.True(
                Scenario.WaitUntil(
                    () => SleepsInSession(scenario).Count == 2
                        && SleepsInSession(scenario).Any(s => !IsInTree(scenario, s.Pid)),
                    s_startTimeout),
                "one sleep should be orphaned out of the tree but stay in the session");
            sleeps = SleepsInSession(scenario);
        }

        AssertAllGone(sleeps);
    }

    [Fact]
    public void Dispose_KillsOrphanThatLeftTheProcessGroup()
    {
        // dash refuses job control without a terminal; bash gives each job its own process
        // group, which kill(-pgid) cannot reach: only the session sweep can.
        string bash = Assert.IsType<string>(Executables.FindOnPath("bash"));
        List<ProcessIdentity> sleeps;
        using (Scenario scenario = Scenario.StartProgram(bash, "-c", "set -m; (sleep 600 &); sleep 600"))
        {
            Assert.True(
                Scenario.WaitUntil(
                    () => SleepsInSession(scenario).Count == 2
                        && SleepsInSession(scenario).Any(s => !IsInTree(scenario, s.Pid)
                            && ProcStat.Read(s.Pid)?.PGrp != scenario.Pid),
                    s_startTimeout),
                "one sleep should have escaped both the tree and the process group");
            sleeps = SleepsInSession(scenario);
        }

        AssertAllGone(sleeps);
    }

    [Fact]
    public void Dispose_OfExitedScenario_IsHarmlessAndIdempotent()
    {
        Scenario scenario = Scenario.StartShell("exit 3");
        Assert.True(Scenario.WaitUntil(() => scenario.HasExited, s_startTimeout));
        scenario.Dispose();
        scenario.Dispose();
    }

    [Fact]
    public void FindOnPath_FindsShellAndRejectsMissing()
    {
        Assert.NotNull(Executables.FindOnPath("sh"));
        Assert.Null(Executables.FindOnPath("procaudit-no-such-program"));
    }

    [Fact]
    public void ProcessStat_Parse_CommEndsAtLastParenthesis()
    {
        ProcStat stat = Assert.NotNull(ProcStat.Parse(
            "42 (a) b (c)) S 7 42 42 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 12345 0 0"));
        Assert.Equal("a) b (c)", stat.Comm);
        Assert.Equal('S', stat.State);
        Assert.Equal(7, stat.PPid);
        Assert.Equal(42, stat.PGrp);
        Assert.Equal(42, stat.Session);
        Assert.Equal(12345UL, stat.StartTime);
    }

    [Fact]
    public void PipeInversion_ParentReadsStdoutWhileChildWritesFullStderr()
    {
        using Scenario scenario = Scenario.StartScenarioVerb("pipe-inversion");
        SyscallNumbers numbers = SyscallNumbers.ForCurrentArchitecture();

        Assert.True(
            Scenario.WaitUntil(
                () =>
                {
                    int? child = scenario.ChildByComm("dotnet");
                    if (child is null)
                    {
                        return false;
                    }

                    string? childStdout = PipeOf(child.Value, 1);
                    string? childStderr = PipeOf(child.Value, 2);
                    return MainThreadBlockedOn(scenario.Pid, numbers.Read) is int parentFd
                        && childStdout is not null
                        && PipeOf(scenario.Pid, parentFd) == childStdout
                        && MainThreadBlockedOn(child.Value, numbers.Write) is int childFd
                        && childStderr is not null
                        && PipeOf(child.Value, childFd) == childStderr;
                },
                s_dotnetTreeTimeout),
            "parent should block reading the child's stdout while the child blocks writing its stderr");
    }

    [Fact]
    public void WaitBeforeDrain_ParentParkedWhileChildWritesFullStdout()
    {
        using Scenario scenario = Scenario.StartScenarioVerb("wait-before-drain");
        SyscallNumbers numbers = SyscallNumbers.ForCurrentArchitecture();

        Assert.True(
            Scenario.WaitUntil(
                () =>
                {
                    int? child = scenario.ChildByComm("dotnet");
                    if (child is null)
                    {
                        return false;
                    }

                    string? childStdout = PipeOf(child.Value, 1);
                    return MainThreadBlockedOn(scenario.Pid, numbers.Futex) is not null
                        && MainThreadBlockedOn(child.Value, numbers.Write) is int childFd
                        && childStdout is not null
                        && PipeOf(child.Value, childFd) == childStdout;
                },
                s_dotnetTreeTimeout),
            "parent should be parked on a futex while the child blocks writing its stdout");
    }

    [Fact]
    public void Healthy_BothSidesMakeProgress()
    {
        using Scenario scenario = Scenario.StartScenarioVerb("healthy");
        int? child = null;
        Assert.True(
            Scenario.WaitUntil(
                () => (child = scenario.ChildByComm("dotnet")) is not null && Workload.Io(child.Value, "wchar") > 0,
                s_dotnetTreeTimeout),
            "the chatter child should start writing");

        int childPid = child!.Value;
        long childWritten = Workload.Io(childPid, "wchar");
        long parentRead = Workload.Io(scenario.Pid, "rchar");
        Assert.True(
            Scenario.WaitUntil(
                () => Workload.Io(childPid, "wchar") > childWritten + (64 * 1024)
                    && Workload.Io(scenario.Pid, "rchar") > parentRead + (64 * 1024),
                TimeSpan.FromSeconds(10)),
            "more than a pipe's worth should flow while the parent keeps draining");
    }

    private static List<ProcessIdentity> SleepsInSession(Scenario scenario)
    {
        return scenario.SessionMembers()
            .Where(s => s.Comm == "sleep")
            .Select(s => new ProcessIdentity(s.Pid, s.StartTime))
            .ToList();
    }

    private static bool IsInTree(Scenario scenario, int pid)
    {
        return pid == scenario.Pid || scenario.Descendants().Contains(pid);
    }

    private static void AssertAllGone(IReadOnlyList<ProcessIdentity> processes)
    {
        // A killed orphan stays a zombie until init reaps it, and this sandbox's init reaps
        // lazily (about 2 s); a zombie is dead, so it counts as gone.
        Assert.True(
            Scenario.WaitUntil(() => processes.All(p => p.IsGone()), s_goneTimeout),
            "still alive after Dispose: " + string.Join(", ", processes.Where(p => !p.IsGone()).Select(p => p.Pid)));
    }

    private static string ReadLink(string path)
    {
        // LinkTarget is the raw readlink text; ResolveLinkTarget would turn "pipe:[123]"
        // into a path relative to the fd directory.
        return new FileInfo(path).LinkTarget
            ?? throw new InvalidOperationException($"{path} is not a link");
    }

    private static string[] ReadCommandLine(int pid)
    {
        return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>"pipe:[inode]" for a pipe fd, otherwise null.</summary>
    private static string? PipeOf(int pid, int fd)
    {
        try
        {
            string target = ReadLink($"/proc/{pid}/fd/{fd}");
            return target.StartsWith("pipe:", StringComparison.Ordinal) ? target : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The first argument (an fd for read/write) if the main thread sits in that syscall.</summary>
    private static int? MainThreadBlockedOn(int pid, int syscall)
    {
        try
        {
            // "<nr> <arg1> ... <sp> <pc>", or "running" / "-1 ..." when not in a syscall.
            string[] fields = File.ReadAllText($"/proc/{pid}/task/{pid}/syscall").Trim().Split(' ');
            if (fields.Length < 2
                || !int.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int number)
                || number != syscall)
            {
                return null;
            }

            return (int)Convert.ToInt64(fields[1], 16);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private readonly record struct ProcessIdentity(int Pid, ulong StartTime)
    {
        public bool IsGone()
        {
            ProcStat? stat = ProcStat.Read(Pid);
            return stat is null || stat.Value.StartTime != StartTime || stat.Value.IsDead;
        }
    }

    private readonly record struct SyscallNumbers(int Read, int Write, int Futex)
    {
        public static SyscallNumbers ForCurrentArchitecture()
        {
            return RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => new SyscallNumbers(0, 1, 202),
                Architecture.Arm64 => new SyscallNumbers(63, 64, 98),
                Architecture other => throw new PlatformNotSupportedException($"no syscall table for {other}"),
            };
        }
    }
}
