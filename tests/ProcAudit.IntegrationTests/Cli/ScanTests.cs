using System.Globalization;
using System.Text.Json;
using ProcAudit.Analysis;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Cli;

/// <summary>
/// `procaudit scan`: every hung tree on the machine from the waits themselves, with the pid to audit.
/// Other suites run hung trees of their own on this machine at the same time: the assertions are
/// about this test's trees, found by their sessions, never about how many hangs the machine holds.
/// </summary>
public sealed class ScanTests
{
    /// <summary>Reads the child's stdout to EOF before its stderr, which the child fills first.</summary>
    private const string InvertingParent = Patterns.PipeOrderInversionTests.PythonParent;

    /// <summary>Takes two flocks, the second after a pause: two of them in opposite order deadlock.</summary>
    private const string Flock = Patterns.FileLockTests.Flock;

    [Fact]
    public void Scan_lists_exactly_the_hung_trees_with_their_listedin_text_and_json()
    {
        string python = Executables.FindOnPath("python3") ?? throw new InvalidOperationException("python3 is needed for this test and is not on PATH");
        string unshare = Executables.FindOnPath("unshare") ?? throw new InvalidOperationException("unshare (util-linux) is needed for this test and is not on PATH");
        string dir = Directory.CreateTempSubdirectory("procaudit-scan-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "abba.py"), Flock);
            string a = Path.Combine(dir, "a.lock");
            string b = Path.Combine(dir, "b.lock");
            using Scenario inversion = Scenario.StartProgram(python, "-c", InvertingParent);
            using Scenario leaked = Scenario.StartProgram("/bin/bash", "-c", "x=$(sh -c \"sleep 600 & echo hi\"); echo \"$x\"");
            using Scenario flock = Scenario.StartShell($"cd '{dir}'; python3 abba.py '{a}' '{b}' & python3 abba.py '{b}' '{a}'; wait");
            // Its own pid namespace: the hung parent is pid 1 there, under unshare (which waits for it).
            using Scenario contained = Scenario.StartProgram(unshare, "--pid", "--fork", python, "-c", InvertingParent);
            using Scenario busy = Scenario.StartShell("while :; do :; done");
            using Scenario idle = Scenario.StartShell("sleep 600; echo done");
            // A second acquire of a lock its only thread holds: a futex no one else can wake, which ProcAudit cannot name.
            using Scenario selfLocked = Scenario.StartProgram(python, "-c", "import threading; l = threading.Lock(); l.acquire(); l.acquire()");
            // Kept from the look that found it: a second look can miss it for a moment (a read of /proc racing the fork).
            int containedRoot = 0;
            Assert.True(Scenario.WaitUntil(() => (containedRoot = contained.ChildByComm("python3") ?? 0) != 0, TimeSpan.FromSeconds(10)), "unshare did not start python");

            // Each hang has formed, as an audit of its tree sees it.
            Assert.Equal(Verdict.Deadlock, Audits.UntilVerdict(inversion.Pid, Verdict.Deadlock).Analysis.Verdict);
            Assert.Equal(Verdict.Stalled, Audits.UntilVerdict(leaked.Pid, Verdict.Stalled).Analysis.Verdict);
            Assert.Equal(Verdict.Deadlock, Audits.UntilVerdict(flock.Pid, Verdict.Deadlock).Analysis.Verdict);
            Assert.Equal(Verdict.Deadlock, Audits.UntilVerdict(containedRoot, Verdict.Deadlock).Analysis.Verdict);
            Assert.Equal(Verdict.Blocked, Audits.UntilVerdict(selfLocked.Pid, Verdict.Blocked).Analysis.Verdict);
            Scenario[] mine = { inversion, leaked, flock, contained, busy, idle, selfLocked };
            HashSet<int> sessions = mine.Select(s => s.Pid).ToHashSet();
            bool Mine(int pid) => ProcStat.Read(pid) is ProcStat stat && sessions.Contains(stat.Session);
            string[] expected =
            {
                $"{inversion.Pid} python3 deadlock pipe-order-inversion",
                $"{leaked.Pid} bash stalled leaked-write-end",
                $"{flock.Pid} sh deadlock lock-order-inversion",
                $"{containedRoot} python3 deadlock pipe-order-inversion",
            };

            CliRun json = Infrastructure.Cli.Run("scan", "--json");

            Assert.True(json.ExitCode == 2, json.Stdout + json.Stderr);
            using JsonDocument doc = JsonDocument.Parse(json.Stdout);
            List<JsonElement> hangs = doc.RootElement.GetProperty("hangs").EnumerateArray().Where(h => Mine(h.GetProperty("root").GetInt32())).ToList();
            Assert.Equal(expected.Order(), hangs.Select(h => $"{h.GetProperty("root").GetInt32()} {h.GetProperty("name").GetString()} {h.GetProperty("verdict").GetString()} {h.GetProperty("pattern").GetString()}").Order());
            // Worst first: every deadlock of the whole list comes before every stall.
            List<string> verdicts = doc.RootElement.GetProperty("hangs").EnumerateArray().Select(h => h.GetProperty("verdict").GetString()!).ToList();
            Assert.Equal(verdicts.OrderBy(v => v == "deadlock" ? 0 : 1), verdicts);
            JsonElement ns = hangs.Single(h => h.GetProperty("root").GetInt32() == containedRoot);
            Assert.Equal(new[] { containedRoot, 1 }, ns.GetProperty("nsPids").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(File.ReadAllText($"/proc/{containedRoot}/cgroup").Split('\n').Select(l => l.Split(':', 3)).First(p => p.Length == 3 && p[2] != "/")[2], ns.GetProperty("cgroup").GetString());
            JsonElement leak = hangs.Single(h => h.GetProperty("root").GetInt32() == leaked.Pid);
            Assert.StartsWith($"STALLED: the tree of bash {leaked.Pid} ", leak.GetProperty("headline").GetString());
            Assert.True(leak.GetProperty("stillSeconds").GetDouble() > 0, leak.ToString());
            Assert.Contains(leak.GetProperty("pids").EnumerateArray(), e => Mine(e.GetInt32()) && File.ReadAllText($"/proc/{e.GetInt32()}/comm").Trim() == "sleep");
            Assert.DoesNotContain(doc.RootElement.GetProperty("hangs").EnumerateArray(), h => h.GetProperty("root").GetInt32() is int r && (r == busy.Pid || r == idle.Pid || r == selfLocked.Pid));
            // Not a named hang, but not hidden either: the blocked list, and nothing of ours but it.
            List<JsonElement> blocked = doc.RootElement.GetProperty("blocked").EnumerateArray().Where(h => Mine(h.GetProperty("root").GetInt32())).ToList();
            JsonElement self = Assert.Single(blocked);
            Assert.Equal((selfLocked.Pid, "python3", "blocked", "unexplained-wait"), (self.GetProperty("root").GetInt32(), self.GetProperty("name").GetString(), self.GetProperty("verdict").GetString(), self.GetProperty("pattern").GetString()));
            Assert.Equal(new[] { selfLocked.Pid }, self.GetProperty("pids").EnumerateArray().Select(e => e.GetInt32()));

            CliRun text = Infrastructure.Cli.Run("scan");

            Assert.Equal(2, text.ExitCode);
            Assert.Matches(@"^\d+ hung process trees? among \d+ processes, worst first; audit one with 'procaudit PID'", text.Stdout);
            string[] lines = text.Stdout.Split('\n');
            Assert.Contains($"  {inversion.Pid} python3  DEADLOCK (pipe-order-inversion), still for ", text.Stdout);
            Assert.Contains($"  {leaked.Pid} bash  STALLED (leaked-write-end), still for ", text.Stdout);
            Assert.Contains($"  {flock.Pid} sh  DEADLOCK (lock-order-inversion), still for ", text.Stdout);
            int nsLine = Array.FindIndex(lines, l => l.StartsWith($"  {containedRoot} python3  DEADLOCK (pipe-order-inversion), still for ", StringComparison.Ordinal));
            Assert.True(nsLine >= 0, text.Stdout);
            Assert.StartsWith($"    in another pid namespace: NSpid {containedRoot} 1, cgroup ", lines[nsLine + 3]);
            Assert.DoesNotContain(lines, l => l.StartsWith($"  {busy.Pid} ", StringComparison.Ordinal) || l.StartsWith($"  {idle.Pid} ", StringComparison.Ordinal));
            Assert.Matches(@"; \d+ still trees? waits? on something ProcAudit cannot explain \(below\)", lines[0]);
            int blockedHeader = Array.FindIndex(lines, l => l.StartsWith("Also still, blocked on waits ProcAudit cannot explain", StringComparison.Ordinal));
            Assert.True(blockedHeader > nsLine, text.Stdout);
            // Listed (the first ten, longest still first) or counted.
            Assert.True(lines.Skip(blockedHeader).Any(l => l.StartsWith($"  {selfLocked.Pid} python3  still for ", StringComparison.Ordinal)) || lines.Any(l => l.StartsWith("  and ", StringComparison.Ordinal)), text.Stdout);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_machine_with_no_hang_prints_one_line_and_exits_0_and_a_hang_there_is_found_from_inside()
    {
        // A machine of our own: a pid namespace with its own /proc, where nobody else's hangs run.
        string unshare = Executables.FindOnPath("unshare") ?? throw new InvalidOperationException("unshare (util-linux) is needed for this test and is not on PATH");
        string tool = $"'{Infrastructure.Cli.DotnetHost()}' '{Infrastructure.Cli.ToolDll}' scan";

        CliRun healthy = Infrastructure.Cli.RunProgram(unshare, "--pid", "--fork", "--mount-proc", "/bin/sh", "-c",
            $"sleep 600 & (while :; do :; done) & exec {tool}");

        Assert.True(healthy.ExitCode == 0, healthy.Stdout + healthy.Stderr);
        Assert.Equal("no hung process tree: 3 processes read, none in a wait cycle or a stall.\n", healthy.Stdout);

        CliRun hung = Infrastructure.Cli.RunProgram(unshare, "--pid", "--fork", "--mount-proc", "/bin/sh", "-c",
            $"bash -c 'x=$(sh -c \"sleep 600 & echo hi\"); echo $x' & {UntilReading("$!")} exec {tool}");

        Assert.True(hung.ExitCode == 3, hung.Stdout + hung.Stderr);
        Assert.StartsWith("1 hung process tree among 3 processes, worst first; audit one with 'procaudit PID':\n", hung.Stdout);
        Assert.Matches(@"\n  \d+ bash  STALLED \(leaked-write-end\), still for ", hung.Stdout);
    }

    /// <summary>Shell text that waits (at most 10 s) until <paramref name="pid"/> is blocked in read(2) (0 on x64, 63 on arm64).</summary>
    private static string UntilReading(string pid) =>
        $"for i in $(seq 1000); do grep -qs '^0 \\|^63 ' /proc/{pid}/syscall && break; sleep 0.01; done;";

    [Fact]
    public void Ctrl_c_during_a_scan_exits_130()
    {
        string stderr = Path.Combine(Directory.CreateTempSubdirectory("procaudit-scan-int-").FullName, "stderr");
        try
        {
            // A background process inherits SIGINT ignored; a terminal's Ctrl+C reaches a foreground one with the default disposition.
            using Scenario scan = Scenario.StartShell(
                $"exec /usr/bin/env --default-signal=INT '{Infrastructure.Cli.DotnetHost()}' '{Infrastructure.Cli.ToolDll}' scan --interval 10m 2>'{stderr}'");
            // In its interval: the library is loaded and the main thread sleeps in futex(2) (202 on x64, 98 on arm64).
            bool Waiting() => File.Exists($"/proc/{scan.Pid}/maps") && File.ReadAllText($"/proc/{scan.Pid}/maps").Contains("/ProcAudit.dll", StringComparison.Ordinal)
                && File.ReadAllText($"/proc/{scan.Pid}/syscall").Split(' ')[0] is "202" or "98";
            Assert.True(Scenario.WaitUntil(() => Waiting() && Waiting(), TimeSpan.FromSeconds(30)), "the scan did not reach its interval");

            Assert.Equal(0, Signals.Kill(scan.Pid, 2));

            Assert.True(Scenario.WaitUntil(() => scan.HasExited, TimeSpan.FromSeconds(10)), "the scan did not end on SIGINT");
            Assert.Equal(130, scan.ExitCode);
            Assert.Equal("procaudit: interrupted\n", File.ReadAllText(stderr));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(stderr)!, recursive: true);
        }
    }

    [Fact]
    public void Watch_all_reports_a_hang_that_forms_after_it_started_once_it_has_held_and_logs_it()
    {
        string python = Executables.FindOnPath("python3") ?? throw new InvalidOperationException("python3 is needed for this test and is not on PATH");
        string dir = Directory.CreateTempSubdirectory("procaudit-watch-all-").FullName;
        string stdout = Path.Combine(dir, "stdout");
        string stderr = Path.Combine(dir, "stderr");
        string log = Path.Combine(dir, "hangs.jsonl");
        try
        {
            using Scenario watch = Scenario.StartShell(
                $"exec /usr/bin/env --default-signal=INT '{Infrastructure.Cli.DotnetHost()}' '{Infrastructure.Cli.ToolDll}' watch --all --interval 1s --deadlock-after 2s --log '{log}' >'{stdout}' 2>'{stderr}'");
            Assert.True(Scenario.WaitUntil(() => File.Exists(stderr) && File.ReadAllText(stderr).StartsWith("procaudit: watching every process tree every 1 s; a hang is reported once it has held 2 s", StringComparison.Ordinal), TimeSpan.FromSeconds(60)),
                "watch --all did not finish its first look");

            using Scenario hang = Scenario.StartProgram(python, "-c", InvertingParent);
            bool Logged() => File.Exists(log) && File.ReadAllLines(log).Any(l => l.StartsWith($"{{\"root\":{hang.Pid},", StringComparison.Ordinal));
            Assert.True(Scenario.WaitUntil(Logged, TimeSpan.FromSeconds(60)), "the hang was not reported: " + File.ReadAllText(stderr));
            Assert.False(watch.HasExited);

            Assert.Equal(0, Signals.Kill(watch.Pid, 2));
            Assert.True(Scenario.WaitUntil(() => watch.HasExited, TimeSpan.FromSeconds(30)), "watch --all did not end on SIGINT");
            Assert.Equal(130, watch.ExitCode);

            using JsonDocument line = JsonDocument.Parse(File.ReadAllLines(log).Single(l => l.StartsWith($"{{\"root\":{hang.Pid},", StringComparison.Ordinal)));
            Assert.Equal(("python3", "deadlock", "pipe-order-inversion"), (line.RootElement.GetProperty("name").GetString(), line.RootElement.GetProperty("verdict").GetString(), line.RootElement.GetProperty("pattern").GetString()));
            string printed = Assert.Single(File.ReadAllLines(stdout), l => l.Contains($" {hang.Pid} python3 DEADLOCK (pipe-order-inversion) held ", StringComparison.Ordinal));
            Assert.True(Infrastructure.Cli.SecondsAfter(printed, "held ") >= 2, printed);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData(new[] { "watch", "--all", "1" }, "procaudit: --all watches every tree: give no pid or name with it")]
    [InlineData(new[] { "watch", "--all", "-n", "init" }, "procaudit: --all watches every tree: give no pid or name with it")]
    [InlineData(new[] { "watch", "--log", "x.jsonl", "1" }, "procaudit: --log is for --all (one tree's report goes to --json)")]
    [InlineData(new[] { "watch", "--all", "--json", "x.json" }, "procaudit: --all writes no report files (--json, --markdown, --dot, --html are one tree's): --log FILE appends each hang as a JSON line")]
    [InlineData(new[] { "watch", "--all", "--html", "x.html" }, "procaudit: --all writes no report files (--json, --markdown, --dot, --html are one tree's): --log FILE appends each hang as a JSON line")]
    [InlineData(new[] { "watch", "--all", "--dot", "x.dot" }, "procaudit: --all writes no report files (--json, --markdown, --dot, --html are one tree's): --log FILE appends each hang as a JSON line")]
    [InlineData(new[] { "watch", "--all", "--markdown", "x.md" }, "procaudit: --all writes no report files (--json, --markdown, --dot, --html are one tree's): --log FILE appends each hang as a JSON line")]
    public void Watch_all_with_a_pid_is_a_usage_error(string[] args, string message)
    {
        CliRun run = Infrastructure.Cli.Run(args);
        Assert.Equal(1, run.ExitCode);
        Assert.Equal(message + "\n", run.Stderr);
    }

    [Fact]
    public void Without_root_the_scan_finds_the_users_own_hangs_and_lists_other_users_processes_as_not_looked_into()
    {
        Assert.True(Environment.UserName == "root", "this test starts one hang as root and one as nobody, and scans as nobody; run the tests as root");
        string setpriv = Executables.FindOnPath("setpriv") ?? throw new InvalidOperationException("setpriv (util-linux) is needed and is not on PATH");
        const string Leak = "x=$(sh -c \"sleep 600 & echo hi\"); echo \"$x\"";
        string[] asNobody = { "--reuid=65534", "--regid=65534", "--clear-groups" };
        using Scenario roots = Scenario.StartProgram("/bin/bash", "-c", Leak);
        using Scenario nobodys = Scenario.StartProgram(setpriv, asNobody.Concat(new[] { "/bin/bash", "-c", Leak }).ToArray());
        Assert.Equal(Verdict.Stalled, Audits.UntilVerdict(roots.Pid, Verdict.Stalled).Analysis.Verdict);
        Assert.Equal(Verdict.Stalled, Audits.UntilVerdict(nobodys.Pid, Verdict.Stalled).Analysis.Verdict);

        CliRun run = Infrastructure.Cli.RunProgram(setpriv, asNobody.Concat(new[] { "env", "HOME=/tmp", Infrastructure.Cli.DotnetHost(), Infrastructure.Cli.ToolDll, "scan", "--json" }).ToArray());

        Assert.True(run.ExitCode is 2 or 3, run.Stdout + run.Stderr);
        using JsonDocument doc = JsonDocument.Parse(run.Stdout);
        List<int> listed = doc.RootElement.GetProperty("hangs").EnumerateArray().Select(h => h.GetProperty("root").GetInt32()).ToList();
        Assert.Contains(nobodys.Pid, listed);
        Assert.DoesNotContain(roots.Pid, listed);
        JsonElement closed = Assert.Single(doc.RootElement.GetProperty("unreadable").EnumerateArray(), u => u.GetProperty("pid").GetInt32() == roots.Pid);
        Assert.Equal(("bash", 0), (closed.GetProperty("name").GetString(), closed.GetProperty("uid").GetInt32()));
    }
}
