using ProcAudit.Analysis;
using ProcAudit.IntegrationTests.Infrastructure;
using ProcAudit.IntegrationTests.Patterns;

namespace ProcAudit.IntegrationTests.Cli;

/// <summary>
/// `dotnet-procaudit PID --html FILE` on real hangs, as a user runs it: the graph is laid out by the tool's
/// hidden graph-layout verb in a process of its own (MSAGL), and the page is read back by an HTML5 parser:
/// the SVG's nodes and edges, the cycle red, a chain orange, processes outside the tree marked.
/// </summary>
public sealed class HtmlReportCliTests
{
    // The tool's exit codes (README): 2 for a deadlock, 3 for a stall.
    private const int Deadlock = 2;
    private const int Stalled = 3;

    [Fact]
    public void A_python_pipe_order_inversion_is_a_red_cycle_of_two_processes_and_two_pipes()
    {
        using Scenario tree = Scenario.StartProgram(Prerequisites.Python3(), "-c", PipeOrderInversionTests.PythonParent);
        AuditResult seen = Audits.UntilVerdict(tree.Pid, Verdict.Deadlock);
        ProcessInfo child = Audits.Child(seen.Snapshot, tree.Pid);

        HtmlReportPage page = AuditToHtml(tree.Pid, Deadlock);

        Assert.Equal("pipe-order-inversion", Assert.Single(page.Problems).Name);
        Assert.Equal(4, page.Nodes.Count);
        Assert.Equal(new[] { child.Pid, tree.Pid }.Select(p => $"python3 {p}").Order(), page.Nodes.Values.Where(n => n.Kind == "process").Select(n => n.Label).Order());
        Assert.Equal(2, page.Nodes.Values.Count(n => n.Kind == "object" && n.Label.StartsWith("pipe:[", StringComparison.Ordinal)));
        Assert.Equal(4, page.Edges.Count);
        Assert.All(page.Edges, e => Assert.Equal((true, "#dd0000"), (e.Cycle, e.Stroke)));
        SvgEdge write = Assert.Single(page.Edges, e => e.Label == "write-full-pipe fd 2");
        Assert.Equal($"python3 {child.Pid}", page.Nodes[write.From].Label);
        Assert.EndsWith("65536/65536 bytes full", page.Nodes[write.To].Label);
    }

    [Fact]
    public void A_leaked_write_end_ends_its_orange_chain_at_the_orphan_marked_outside_the_tree()
    {
        using Scenario tree = Scenario.StartProgram("/bin/bash", "-c", "x=$(sh -c 'sleep 600 & echo hi'); echo \"$x\"");
        AuditResult seen = Audits.Until(tree.Pid, r => r.Analysis.Findings.Any(f => f.Kind == "leaked-write-end"));
        ProcessInfo sleep = Assert.Single(seen.Snapshot.Processes, p => p.Name == "sleep");

        HtmlReportPage page = AuditToHtml(tree.Pid, Stalled);

        Assert.Equal("leaked-write-end", Assert.Single(page.Problems).Name);
        SvgNode orphan = page.Node($"sleep {sleep.Pid} (outside the tree)");
        Assert.True(orphan.Outside);
        SvgEdge written = Assert.Single(page.Edges, e => e.To == orphan.Id);
        Assert.Equal(("written by", true, "#ee7700"), (written.Label, written.Chain, written.Stroke));
        SvgEdge read = Assert.Single(page.Edges, e => e.To == written.From);
        Assert.Equal($"bash {tree.Pid}", page.Nodes[read.From].Label);
        Assert.StartsWith("read-empty-pipe fd ", read.Label);
        Assert.Contains(sleep.Pid, page.Pids);
    }

    [Fact]
    public void Two_threads_locking_two_mutexes_in_opposite_order_are_a_red_cycle_between_the_threads()
    {
        string dir = Directory.CreateTempSubdirectory("procaudit-html-mutex-").FullName;
        try
        {
            using Scenario tree = Scenario.StartProgram(CPrograms.Compile(dir, "abba", MutexTests.Abba));
            AuditResult seen = Audits.UntilVerdict(tree.Pid, Verdict.Deadlock);
            ProcessInfo process = seen.Snapshot.FindProcess(tree.Pid)!;
            int a = Assert.Single(process.Threads, t => t.Name == "worker-a").Tid;
            int b = Assert.Single(process.Threads, t => t.Name == "worker-b").Tid;

            HtmlReportPage page = AuditToHtml(tree.Pid, Deadlock);

            Assert.Equal("lock-order-inversion", Assert.Single(page.Problems).Name);
            SvgNode threadA = page.Node($"abba {tree.Pid} thread {a}");
            SvgNode threadB = page.Node($"abba {tree.Pid} thread {b}");
            List<SvgEdge> cycle = page.Edges.Where(e => e.Cycle).ToList();
            Assert.All(cycle, e => Assert.Equal(("#dd0000", true), (e.Stroke, e.Inferred)));
            // The cycle runs from each worker to the other, through whatever it waits on.
            Assert.True(Reaches(cycle, threadA.Id, threadB.Id) && Reaches(cycle, threadB.Id, threadA.Id), "the red edges do not join the two workers both ways");
            // The main thread's pthread_join of worker-a is drawn too (through the joined thread), not red.
            SvgEdge join = Assert.Single(page.Edges, e => e.Label == "thread-join (inferred)");
            Assert.Equal(($"abba {tree.Pid}", false), (page.Nodes[join.From].Label, join.Cycle));
            Assert.Equal(2, page.Edges.Count(e => !e.Cycle));
            Assert.True(Reaches(page.Edges.Where(e => !e.Cycle).ToList(), join.From, threadA.Id), "the join does not lead to worker-a");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_socket_peer_that_does_not_read_is_drawn_through_both_sockets_to_the_sleeping_reader()
    {
        using Scenario tree = Scenario.StartProgram(Prerequisites.Python3(), "-c", SocketTests.UnixReaderSleeps);
        AuditResult seen = Audits.Until(tree.Pid, r => r.Analysis.Findings.Any(f => f.Kind == "peer-not-reading"));
        ProcessInfo child = Audits.Child(seen.Snapshot, tree.Pid);

        HtmlReportPage page = AuditToHtml(tree.Pid, Stalled);

        Assert.Equal("peer-not-reading", Assert.Single(page.Problems).Name);
        SvgEdge send = Assert.Single(page.Edges, e => e.Label.StartsWith("send-full-socket fd ", StringComparison.Ordinal));
        Assert.Equal($"python3 {tree.Pid}", page.Nodes[send.From].Label);
        SvgNode socket = page.Nodes[send.To];
        Assert.Equal("object", socket.Kind);
        Assert.StartsWith("socket:[", socket.Label);
        Assert.Contains(" unix", socket.Label);
        SvgEdge peer = Assert.Single(page.Edges, e => e.From == socket.Id);
        Assert.Equal(("peer held by", $"python3 {child.Pid}"), (peer.Label, page.Nodes[peer.To].Label));
        Assert.All(new[] { send, peer }, e => Assert.Equal((true, "#ee7700", false), (e.Chain, e.Stroke, e.Dashed)));
    }

    /// <summary>Audits the tree with the real tool and --html; checks the exit code, that nothing it started is left, and that the page was laid out.</summary>
    private static HtmlReportPage AuditToHtml(int pid, int exitCode)
    {
        string dir = Directory.CreateTempSubdirectory("procaudit-html-").FullName;
        try
        {
            string html = Path.Combine(dir, "report.html");
            CliRun run = Infrastructure.Cli.Run(pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "--html", html);
            Assert.True(run.ExitCode == exitCode, $"exit {run.ExitCode}, not {exitCode}:\n{run.Stdout}\n{run.Stderr}");
            Assert.Empty(run.Survivors);
            HtmlReportPage page = HtmlReportPage.Parse(File.ReadAllText(html));
            Assert.Equal(run.Stdout.Split('\n')[0], page.Headline);
            page.AssertLaidOut();
            return page;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static bool Reaches(List<SvgEdge> edges, string from, string to)
    {
        HashSet<string> seen = [from];
        Queue<string> next = new([from]);
        while (next.TryDequeue(out string? at))
        {
            foreach (SvgEdge e in edges.Where(e => e.From == at && seen.Add(e.To)))
            {
                if (e.To == to)
                {
                    return true;
                }
                next.Enqueue(e.To);
            }
        }
        return false;
    }
}
