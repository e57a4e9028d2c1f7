using System.Globalization;
using ProcAudit.IntegrationTests.Infrastructure;
using ProcAudit.IntegrationTests.Patterns;

namespace ProcAudit.IntegrationTests.Cli;

/// <summary>
/// `procaudit run` and `watch` with `--html FILE --dot FILE` on real hung trees: the files are written when they
/// report (run: as it stops the hung step; watch: when the hang has held), and read back, the page by an HTML5
/// parser (its graph laid out by the tool's graph-layout verb), the DOT by Graphviz. A command that ends by itself
/// gets no report files.
/// </summary>
public sealed class RunWatchPictureTests
{
    [Fact]
    public void Run_writes_the_html_and_dot_of_the_deadlock_it_stops()
    {
        WithReportFiles((html, dot) =>
        {
            CliRun run = Infrastructure.Cli.Run("run", "--timeout", "1h", "--deadlock-after", "3s", "--interval", "1s", "--html", html, "--dot", dot,
                "--", Prerequisites.Python3(), "-c", PipeOrderInversionTests.PythonParent);

            Assert.True(run.ExitCode == 125, $"exit {run.ExitCode}, not 125:\n{run.Stderr}");
            Assert.Empty(run.Survivors);
            string[] stderr = run.Stderr.Split('\n');
            Assert.StartsWith("procaudit: stopping the command: the same wait cycle (pipe-order-inversion) held for ", stderr[0]);
            HtmlReportPage page = HtmlReportPage.Parse(File.ReadAllText(html));
            Assert.Equal(stderr[1], page.Headline);
            Assert.Equal(("deadlock", "pipe-order-inversion"), (page.Verdict, Assert.Single(page.Problems).Name));
            page.AssertLaidOut();
            // The two python3 processes the report lists, each a node of the red cycle through the two pipes.
            List<int> pids = page.Pids.ToList();
            Assert.Equal(2, pids.Count);
            Assert.All(pids, pid => Assert.Contains($"python3 {pid.ToString(CultureInfo.InvariantCulture)} ", run.Stderr));
            Assert.Equal(pids.Select(p => $"python3 {p}").Order(), page.Nodes.Values.Where(n => n.Kind == "process").Select(n => n.Label).Order());
            Assert.Equal(4, page.Edges.Count);
            Assert.All(page.Edges, e => Assert.Equal((true, "#dd0000"), (e.Cycle, e.Stroke)));
            SvgEdge write = Assert.Single(page.Edges, e => e.Label == "write-full-pipe fd 2");
            Assert.EndsWith("65536/65536 bytes full", page.Nodes[write.To].Label);

            DotGraph graph = DotGraph.Read(File.ReadAllText(dot));
            Assert.Equal(page.Nodes.Values.Select(n => n.Label).Order(), graph.Nodes.Values.Select(n => n.Label).Order());
            Assert.Equal(4, graph.Colored("#dd0000").Count());
            Assert.Equal(page.Nodes[write.From].Label, graph.Nodes[Assert.Single(graph.Edges, e => e.Label == "write-full-pipe fd 2").From].Label);
        });
    }

    [Fact]
    public void Run_writes_no_picture_for_a_command_that_ends_by_itself()
    {
        WithReportFiles((html, dot) =>
        {
            // Longer than --deadlock-after, and a pipe the whole time: a healthy pipeline, not a hang.
            CliRun run = Infrastructure.Cli.Run("run", "--deadlock-after", "1s", "--interval", "300ms", "--html", html, "--dot", dot,
                "--", "/bin/sh", "-c", "seq 1 3 | (sleep 2; cat)");

            Assert.Equal((0, "1\n2\n3\n", ""), (run.ExitCode, run.Stdout, run.Stderr));
            Assert.False(File.Exists(html) || File.Exists(dot), "run wrote a report of a command that was not stopped");
        });
    }

    [Fact]
    public void Watch_writes_the_html_and_dot_of_the_stall_that_held()
    {
        WithReportFiles((html, dot) =>
        {
            // x=$(...) waits for an EOF that the background sleep, now an orphan outside the tree, holds back.
            using Scenario tree = Scenario.StartProgram("/bin/bash", "-c", "x=$(sh -c 'sleep 600 & echo hi'); echo \"$x\"");

            CliRun run = Infrastructure.Cli.Run("watch", tree.Pid.ToString(CultureInfo.InvariantCulture),
                "--deadlock-after", "2s", "--interval", "500ms", "--timeout", "1m", "--html", html, "--dot", dot);

            Assert.True(run.ExitCode == 3, $"exit {run.ExitCode}, not 3 (stalled):\n{run.Stdout}\n{run.Stderr}");
            string[] stdout = run.Stdout.Split('\n');
            Assert.StartsWith("procaudit: the same stall (leaked-write-end) held for ", stdout[0]);
            HtmlReportPage page = HtmlReportPage.Parse(File.ReadAllText(html));
            Assert.Equal(stdout[1], page.Headline);
            Assert.Equal(("stalled", "leaked-write-end"), (page.Verdict, Assert.Single(page.Problems).Name));
            page.AssertLaidOut();
            // The orphan has left the tree's parentage but not its session.
            int sleep = Assert.Single(ProcStat.ReadAll(), s => s.Session == tree.Pid && s.Comm == "sleep").Pid;
            SvgNode orphan = page.Node($"sleep {sleep} (outside the tree)");
            Assert.True(orphan.Outside);
            SvgEdge written = Assert.Single(page.Edges, e => e.To == orphan.Id);
            Assert.Equal(("written by", true, "#ee7700"), (written.Label, written.Chain, written.Stroke));
            SvgEdge read = Assert.Single(page.Edges, e => e.To == written.From);
            Assert.Equal($"bash {tree.Pid}", page.Nodes[read.From].Label);

            DotGraph graph = DotGraph.Read(File.ReadAllText(dot));
            DotNode dotOrphan = graph.Node($"sleep {sleep} (outside the tree)");
            Assert.True(dotOrphan.Outside);
            Assert.Equal(("written by", "#ee7700"), (Assert.Single(graph.Edges, e => e.To == dotOrphan.Name).Label, Assert.Single(graph.Edges, e => e.To == dotOrphan.Name).Color));
            // watch only looks: the tree is still there.
            Assert.False(tree.HasExited);
        });
    }

    /// <summary>Runs <paramref name="test"/> with the paths of an HTML page and a DOT file in a directory of its own, removed afterwards.</summary>
    private static void WithReportFiles(Action<string, string> test)
    {
        string dir = Directory.CreateTempSubdirectory("procaudit-pictures-").FullName;
        try
        {
            test(Path.Combine(dir, "report.html"), Path.Combine(dir, "graph.dot"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
