using System.Globalization;
using System.Text.Json;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>
/// Issue 8's scale: a real tree of 2,000 processes, and a machine with 100,000 more open fds, each
/// audited through the real CLI; the audit completes, the JSON is complete and the text stays short.
/// (bench/results/2026-11-23-scale.md has the time and memory measured on these same programs.)
/// </summary>
public sealed class ScaleLimitsTests
{
    private const int Children = 2000;
    private const int Fds = 100_000;
    private static readonly TimeSpan s_setup = TimeSpan.FromSeconds(60);

    [Fact]
    public void A_tree_of_2000_processes_waiting_on_one_pipe_is_complete_in_json_and_short_in_text()
    {
        RequireProcessRoom(Children + 200);
        string dir = Directory.CreateTempSubdirectory("procaudit-scale-").FullName;
        try
        {
            // Every child holds the write end of the pipe the parent reads, and a pipe of its own.
            using Scenario tree = Scenario.StartProgram(CPrograms.CompileFile(dir, "wide-tree"), Children.ToString(CultureInfo.InvariantCulture), "shared");
            Assert.True(Scenario.WaitUntil(() => AllChildrenSleep(tree), s_setup), $"{tree.Descendants().Count} of {Children} children started and sleep");

            string json = Path.Combine(dir, "report.json");
            CliRun run = Infrastructure.Cli.Run(tree.Pid.ToString(CultureInfo.InvariantCulture), "--interval", "0", "--json", json);

            Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Stderr}");
            using JsonDocument report = JsonDocument.Parse(File.ReadAllText(json));
            HashSet<int> inTree = report.RootElement.GetProperty("processes").EnumerateArray()
                .Where(p => p.GetProperty("inTree").GetBoolean()).Select(p => p.GetProperty("pid").GetInt32()).ToHashSet();
            Assert.Equal(Children + 1, inTree.Count);
            Assert.Subset(inTree, tree.Descendants().Append(tree.Pid).ToHashSet());
            Assert.Equal(Children, report.RootElement.GetProperty("waits").GetArrayLength());

            string[] lines = run.Stdout.Split('\n');
            Assert.True(lines.Length < 60, $"the text report has {lines.Length} lines:\n{string.Join('\n', lines.Take(80))}");
            Assert.Contains($"-> {Children} processes (wide-tree ", run.Stdout);
            Assert.Contains($"+ {Children - 8} other processes not listed, {Children - 8} of them among the processes a wait above counts", run.Stdout);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void With_100000_more_fds_open_the_orphans_that_hold_a_pipe_are_still_named()
    {
        string dir = Directory.CreateTempSubdirectory("procaudit-scale-").FullName;
        try
        {
            // Orphans outside the root's tree hold the pipe's write end among 100,000 fds, as many
            // per process as RLIMIT_NOFILE allows (so no privilege is needed).
            using Scenario tree = Scenario.StartProgram(CPrograms.CompileFile(dir, "fd-hoarders"), Fds.ToString(CultureInfo.InvariantCulture));
            Assert.True(Scenario.WaitUntil(() => HoardedFds(tree) >= Fds, s_setup), $"the hoarders hold {HoardedFds(tree)} fds");
            List<int> hoarders = tree.SessionMembers().Where(s => s.Pid != tree.Pid).Select(s => s.Pid).Order().ToList();

            string json = Path.Combine(dir, "report.json");
            CliRun run = Infrastructure.Cli.Run(tree.Pid.ToString(CultureInfo.InvariantCulture), "--json", json);

            Assert.True(run.ExitCode == 3, $"exit {run.ExitCode}: {run.Stdout}{run.Stderr}");
            Assert.Contains("[leaked-write-end]", run.Stdout);
            using JsonDocument report = JsonDocument.Parse(File.ReadAllText(json));
            JsonElement pipe = Assert.Single(report.RootElement.GetProperty("objects").EnumerateArray(), o => o.GetProperty("kind").GetString() == "pipe"
                && o.GetProperty("holders").EnumerateArray().Any(h => h.GetProperty("pid").GetInt32() == tree.Pid && h.GetProperty("role").GetString() == "reader"));
            List<int> writers = pipe.GetProperty("holders").EnumerateArray().Where(h => h.GetProperty("role").GetString() == "writer")
                .Select(h => h.GetProperty("pid").GetInt32()).Order().ToList();
            Assert.Equal(hoarders, writers);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static bool AllChildrenSleep(Scenario tree)
    {
        List<ProcStat> children = ProcStat.ReadAll().Where(s => s.PPid == tree.Pid).ToList();
        return children.Count == Children && children.All(s => s.State == 'S');
    }

    private static int HoardedFds(Scenario tree) =>
        tree.SessionMembers().Where(s => s.Pid != tree.Pid).Sum(s => CountFds(s.Pid));

    private static int CountFds(int pid)
    {
        try
        {
            return Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Count();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>Fails with the reason when pid_max or RLIMIT_NPROC leave no room for the tree, rather than failing in fork.</summary>
    private static void RequireProcessRoom(int needed)
    {
        int pidMax = int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim(), CultureInfo.InvariantCulture);
        string? limitLine = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max processes", StringComparison.Ordinal));
        string soft = limitLine?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2] ?? "unlimited";
        int running = ProcStat.ReadAll().Count;
        Assert.True(pidMax - running > needed, $"pid_max {pidMax} with {running} processes running leaves no room for {needed} more");
        Assert.True(soft == "unlimited" || long.Parse(soft, CultureInfo.InvariantCulture) - running > needed,
            $"ulimit -u {soft} with {running} processes running leaves no room for {needed} more");
    }
}
