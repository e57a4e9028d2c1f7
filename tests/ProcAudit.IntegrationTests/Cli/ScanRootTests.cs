using System.Text.Json;
using ProcAudit.Analysis;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Cli;

/// <summary>
/// Which pid a scan names for a hang: the one a person would pass to `procaudit PID` to see all of it.
/// Other suites run hung trees on this machine at the same time: only this test's session is looked at.
/// </summary>
public sealed class ScanRootTests
{
    [Fact]
    public void Bash_waiting_in_wait4_for_three_hung_pipe_inversions_is_one_entry_rooted_at_bash()
    {
        (int shell, int[] parents, int[] children, JsonDocument doc, Scenario tree) = ScanThreeInversions("bash");
        using Scenario _ = tree;
        using JsonDocument __ = doc;
        HashSet<int> ours = parents.Concat(children).Append(shell).ToHashSet();

        // bash's wait is wait4(-1): an observed wait on its children, so the hang's outermost process is bash, the pid to audit.
        JsonElement hang = Assert.Single(Ours(doc, ours));
        Assert.Equal((shell, "bash", "deadlock", "pipe-order-inversion"),
            (hang.GetProperty("root").GetInt32(), hang.GetProperty("name").GetString(), hang.GetProperty("verdict").GetString(), hang.GetProperty("pattern").GetString()));
        Assert.Equal(parents.Concat(children).Order(), hang.GetProperty("pids").EnumerateArray().Select(p => p.GetInt32()));
        Assert.StartsWith($"DEADLOCK in the tree of bash {shell}: 3 wait cycles (pipe-order-inversion)", hang.GetProperty("headline").GetString());
        Assert.DoesNotContain(doc.RootElement.GetProperty("blocked").EnumerateArray(), h => ours.Contains(h.GetProperty("root").GetInt32()));
    }

    [Fact]
    public void Dash_waiting_in_sigsuspend_for_three_hung_pipe_inversions_is_three_entries_each_rooted_at_its_own_parent()
    {
        (int shell, int[] parents, int[] children, JsonDocument doc, Scenario tree) = ScanThreeInversions("dash");
        using Scenario _ = tree;
        using JsonDocument __ = doc;
        HashSet<int> ours = parents.Concat(children).Append(shell).ToHashSet();

        // dash's wait sleeps in rt_sigsuspend for SIGCHLD: no observed wait on anyone, so it is no part of the hang, and
        // each inversion is its own tree, rooted at its parent, with no pid in two entries.
        List<JsonElement> hangs = Ours(doc, ours);
        Assert.Equal(parents, hangs.Select(h => h.GetProperty("root").GetInt32()).Order());
        foreach (JsonElement hang in hangs)
        {
            int root = hang.GetProperty("root").GetInt32();
            int child = children.Single(c => ProcStat.Read(c)?.PPid == root);
            Assert.Equal(("python3", "deadlock", "pipe-order-inversion"), (hang.GetProperty("name").GetString(), hang.GetProperty("verdict").GetString(), hang.GetProperty("pattern").GetString()));
            Assert.Equal(new[] { root, child }.Order(), hang.GetProperty("pids").EnumerateArray().Select(p => p.GetInt32()));
            Assert.StartsWith($"DEADLOCK in the tree of python3 {root}: 1 wait cycle (pipe-order-inversion)", hang.GetProperty("headline").GetString());
        }
        Assert.DoesNotContain(doc.RootElement.GetProperty("blocked").EnumerateArray(), h => ours.Contains(h.GetProperty("root").GetInt32()));
    }

    /// <summary>The hangs that hold any of <paramref name="ours"/>.</summary>
    private static List<JsonElement> Ours(JsonDocument doc, HashSet<int> ours) =>
        doc.RootElement.GetProperty("hangs").EnumerateArray()
            .Where(h => ours.Contains(h.GetProperty("root").GetInt32()) || h.GetProperty("pids").EnumerateArray().Any(p => ours.Contains(p.GetInt32()))).ToList();

    /// <summary>
    /// <paramref name="shellName"/> starts three pipe inversions in the background and waits for them; once an audit of
    /// the shell sees all three cycles, one `scan --json`. The caller disposes the tree and the document.
    /// </summary>
    private static (int Shell, int[] Parents, int[] Children, JsonDocument Doc, Scenario Tree) ScanThreeInversions(string shellName)
    {
        string python = Executables.FindOnPath("python3") ?? throw new InvalidOperationException("python3 is needed for this test and is not on PATH");
        string shellPath = Executables.FindOnPath(shellName) ?? throw new InvalidOperationException($"{shellName} is needed for this test and is not on PATH");
        string dir = Directory.CreateTempSubdirectory("procaudit-scan-root-").FullName;
        Scenario? tree = null;
        try
        {
            string script = Path.Combine(dir, "invert.py");
            File.WriteAllText(script, Patterns.PipeOrderInversionTests.PythonParent);
            // "; :" keeps the shell from ending in the wait's place by exec.
            tree = Scenario.StartProgram(shellPath, "-c", $"'{python}' '{script}' & '{python}' '{script}' & '{python}' '{script}' & wait; :");
            int shell = tree.Pid;
            AuditResult audit = Audits.Until(shell, r => r.Analysis.Verdict == Verdict.Deadlock && r.Analysis.Cycles.Length == 3);
            int[] parents = audit.Snapshot.Processes.Where(p => p.PPid == shell).Select(p => p.Pid).Order().ToArray();
            Assert.Equal(3, parents.Length);
            int[] children = audit.Snapshot.Processes.Where(p => parents.Contains(p.PPid)).Select(p => p.Pid).Order().ToArray();
            Assert.Equal(3, children.Length);

            CliRun json = Infrastructure.Cli.Run("scan", "--json");

            Assert.True(json.ExitCode == 2, json.Stdout + json.Stderr);
            return (shell, parents, children, JsonDocument.Parse(json.Stdout), tree);
        }
        catch
        {
            tree?.Dispose();
            throw;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
