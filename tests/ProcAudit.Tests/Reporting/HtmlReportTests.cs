using System.Collections.Immutable;
using ProcAudit.Fixtures;
using ProcAudit.Layout;
using ProcAudit.Reporting;
using ProcAudit.Tests.Analysis;
using ProcAudit.Tests.Fixtures;

namespace ProcAudit.Tests.Reporting;

/// <summary>
/// The HTML report of real hangs (recorded /proc trees and snapshots), its graph laid out by MSAGL in this
/// process, read back by an HTML5 parser: the SVG's nodes and edges, the cycle red, a chain orange, the
/// orphan outside the tree marked, a hostile name kept as text. The CLI's out-of-process layout and live
/// hangs are in ProcAudit.IntegrationTests (HtmlReportCliTests).
/// </summary>
public sealed class HtmlReportTests
{
    [Fact]
    public void A_pipe_inversion_is_drawn_as_a_red_cycle_through_its_two_pipes()
    {
        AuditResult result = RecordedFixtures.Load(RecordedFixtures.PipeOrderInversion).Audit();

        HtmlReportPage page = Render(ReportBuilder.Build(result));

        Assert.Equal("deadlock", page.Verdict);
        PageProblem cycle = Assert.Single(page.Problems);
        Assert.Equal(("cycle", "pipe-order-inversion"), (cycle.Kind, cycle.Name));
        Assert.Equal(result.Analysis.Cycles[0].Summary, cycle.Summary);
        Assert.StartsWith("Read stdout and stderr concurrently", cycle.Fix);
        page.AssertLaidOut();
        Assert.Equal(4, page.Nodes.Count);
        Assert.Equal(2, page.Nodes.Values.Count(n => n.Kind == "object" && n.Label.StartsWith("pipe:[", StringComparison.Ordinal)));
        Assert.Contains(page.Nodes.Values, n => n.Label.EndsWith("65536/65536 bytes full", StringComparison.Ordinal));
        Assert.Equal(4, page.Edges.Count);
        Assert.All(page.Edges, e => Assert.Equal((true, "#dd0000", false), (e.Cycle, e.Stroke, e.Dashed)));
        // The cycle closes: each node is left once and reached once.
        Assert.Equal(page.Nodes.Keys.Order(), page.Edges.Select(e => e.From).Order());
        Assert.Equal(page.Nodes.Keys.Order(), page.Edges.Select(e => e.To).Order());
        Assert.Equal(result.Snapshot.Processes.Select(p => p.Pid).Order(), page.Pids.Order());
    }

    [Fact]
    public void A_leaked_write_end_marks_the_orphan_outside_the_tree_at_the_end_of_an_orange_chain()
    {
        AuditResult result = RecordedFixtures.Load(RecordedFixtures.LeakedWriteEnd).Audit();
        ProcessInfo sleep = Assert.Single(result.Snapshot.Processes, p => !p.InTree);

        HtmlReportPage page = Render(ReportBuilder.Build(result));

        Assert.Equal("stalled", page.Verdict);
        Assert.Equal(("finding", "leaked-write-end"), (page.Problems[0].Kind, page.Problems[0].Name));
        page.AssertLaidOut();
        SvgNode orphan = page.Node($"sleep {sleep.Pid} (outside the tree)");
        Assert.True(orphan.Outside);
        Assert.Equal(new[] { orphan.Id }, page.Nodes.Values.Where(n => n.Outside).Select(n => n.Id));
        SvgEdge written = Assert.Single(page.Edges, e => e.To == orphan.Id);
        Assert.Equal(("written by", "#ee7700"), (written.Label, written.Stroke));
        Assert.Equal(2, page.Edges.Count(e => e.Chain));
        Assert.Contains(page.Document.QuerySelectorAll("table.processes tr.outside"), r => r.Id == $"pid-{sleep.Pid}");
    }

    [Fact]
    public void The_go_lock_chain_is_drawn_with_its_inferred_edges_dashed_and_the_peer_that_does_not_read()
    {
        Report report = ReportBuilder.Build(Auditor.Analyze(RecordedSnapshotTests.Load("go-broadcaster")));

        HtmlReportPage page = Render(report);

        Assert.Equal("lock-held-across-blocking-send", Assert.Single(page.Problems).Name);
        page.AssertLaidOut();
        Assert.Equal(7, page.Nodes.Count);
        Assert.Equal(6, page.Edges.Count);
        Assert.All(page.Edges, e => Assert.True(e.Chain && e.Stroke == "#ee7700", $"{e.From} -> {e.To} is not in the chain"));
        Assert.Equal(4, page.Edges.Count(e => e.Inferred && e.Dashed));
        SvgNode socket = Assert.Single(page.Nodes.Values, n => n.Kind == "object" && n.Label.Contains(" tcp Send-Q 3782144", StringComparison.Ordinal));
        SvgEdge peer = Assert.Single(page.Edges, e => e.From == socket.Id);
        Assert.Equal("peer held by", peer.Label);
        Assert.StartsWith("go-broadcaster ", page.Nodes[peer.To].Label);
        Assert.DoesNotContain("goroutine", page.Nodes[peer.To].Label);
    }

    [Fact]
    public void A_socket_peer_that_does_not_read_is_an_orange_dashed_chain_through_the_socket_to_the_peer()
    {
        HtmlReportPage page = Render(RecordedHangs.ReportOf(RecordedHangs.SocketPeerNotReading));

        Assert.Equal(("stalled", "peer-not-reading"), (page.Verdict, Assert.Single(page.Problems).Name));
        page.AssertLaidOut();
        Assert.Equal(3, page.Nodes.Count);
        SvgNode socket = page.Node("socket:[613835] tcp Send-Q 3791494");
        Assert.Equal("object", socket.Kind);
        SvgEdge send = Assert.Single(page.Edges, e => e.To == socket.Id);
        SvgEdge peer = Assert.Single(page.Edges, e => e.From == socket.Id);
        Assert.Equal(("go-tcp-sender 31513", "send-full-socket fd 4 (inferred)"), (page.Nodes[send.From].Label, send.Label));
        Assert.Equal(("go-tcp-sender 31518", "peer held by"), (page.Nodes[peer.To].Label, peer.Label));
        Assert.Equal(2, page.Edges.Count);
        // Go parks its threads in the netpoller: both waits are inferred, so dashed, and they are the finding's chain.
        Assert.All(page.Edges, e => Assert.Equal((true, "#ee7700", true, false), (e.Chain, e.Stroke, e.Dashed, e.Cycle)));
        Assert.Equal(new[] { 31513, 31518 }, page.Pids.Order());
    }

    [Fact]
    public void A_thread_lock_cycle_is_red_between_the_two_threads_through_their_mutexes()
    {
        HtmlReportPage page = Render(RecordedHangs.ReportOf(RecordedHangs.ThreadLockCycle));

        Assert.Equal(("deadlock", "lock-order-inversion"), (page.Verdict, Assert.Single(page.Problems).Name));
        page.AssertLaidOut();
        Assert.Equal(6, page.Nodes.Count);
        Assert.Equal(6, page.Edges.Count);
        SvgNode a = page.Node("c-mutex-abba 12931 thread 12932");
        SvgNode b = page.Node("c-mutex-abba 12931 thread 12933");
        List<SvgEdge> cycle = page.Edges.Where(e => e.Cycle).ToList();
        Assert.Equal(4, cycle.Count);
        Assert.All(cycle, e => Assert.Equal(("#dd0000", true, true), (e.Stroke, e.Inferred, e.Dashed)));
        // Each worker waits on a mutex (a futex object) held by the other.
        foreach ((SvgNode from, SvgNode to) in new[] { (a, b), (b, a) })
        {
            SvgEdge waits = Assert.Single(cycle, e => e.From == from.Id);
            Assert.Equal("futex-owner (inferred)", waits.Label);
            Assert.StartsWith("futex:12931:0x", page.Nodes[waits.To].Label);
            Assert.Equal(("held by", to.Id), (Assert.Single(cycle, e => e.From == waits.To).Label, Assert.Single(cycle, e => e.From == waits.To).To));
        }
        SvgEdge join = Assert.Single(page.Edges, e => e.Label == "thread-join (inferred)");
        Assert.Equal(("c-mutex-abba 12931", false, false), (page.Nodes[join.From].Label, join.Cycle, join.Chain));
    }

    [Fact]
    public void A_hostile_process_name_stays_text_in_the_headline_the_graph_and_the_tables()
    {
        AuditResult result = RecordedFixtures.Load(RecordedFixtures.PipeOrderInversion).Audit();
        const string Hostile = "</title></text></svg><script>alert(1)</script><img src=x onerror=alert(2)>\"'&amp;\u001b[31m] --> |x|}{\n<b>";
        Snapshot renamed = result.Snapshot with
        {
            Processes = result.Snapshot.Processes.Select(p => p with { Name = Hostile, Cmdline = [Hostile, "--x=<b>"] }).ToImmutableArray(),
        };
        Report report = ReportBuilder.Build(Auditor.Analyze(renamed));

        string html = Write(report, new MsaglGraphLayout());
        HtmlReportPage page = HtmlReportPage.Parse(html);

        string shown = "</title></text></svg><script>alert(1)</script><img src=x onerror=alert(2)>\"'&amp;\\x1b[31m] --> |x|}{\\n<b>";
        Assert.Contains(shown, page.Headline);
        Assert.Equal(4, page.Nodes.Count);
        Assert.Equal(4, page.Edges.Count);
        Assert.Equal(2, page.Nodes.Values.Count(n => n.Label.StartsWith(shown, StringComparison.Ordinal)));
        Assert.All(page.Document.QuerySelectorAll("table.processes td.mono"), td => Assert.Equal(shown + " --x=<b>", td.TextContent));
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', html);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        page.AssertLaidOut();
    }

    [Fact]
    public void Without_a_layout_the_page_says_why_and_keeps_the_waits()
    {
        Report report = ReportBuilder.Build(RecordedFixtures.Load(RecordedFixtures.PipeOrderInversion).Audit());

        HtmlReportPage page = HtmlReportPage.Parse(Write(report, layout: null));

        Assert.False(page.HasGraph);
        Assert.Contains("could not be drawn: no layout engine was given", page.Document.QuerySelector("p.no-graph")!.TextContent);
        Assert.Equal(2, page.Document.QuerySelectorAll("table.waits tr").Length - 1);
    }

    [Fact]
    public void A_layout_that_does_not_answer_its_request_is_refused()
    {
        Report report = ReportBuilder.Build(RecordedFixtures.Load(RecordedFixtures.PipeOrderInversion).Audit());
        LayoutRequest request = SvgPicture.Request(WaitPicture.Of(report));
        GraphLayout layout = new MsaglGraphLayout().Layout(request, CancellationToken.None);

        string json = GraphLayoutJson.Serialize(layout with { Nodes = layout.Nodes.RemoveAt(0) });

        GraphLayoutException e = Assert.Throws<GraphLayoutException>(() => GraphLayoutJson.DeserializeLayout(json, request));
        Assert.Contains("places 3 boxes, not the 4 asked for", e.Message);
        Assert.Equal(layout.Edges.Length, GraphLayoutJson.DeserializeLayout(GraphLayoutJson.Serialize(layout), request).Edges.Length);
    }

    [Fact]
    public void Counts_of_processes_are_in_words_that_agree_with_them()
    {
        Report report = ReportBuilder.Build(RecordedFixtures.Load(RecordedFixtures.PipeOrderInversion).Audit());
        Report one = report with { Processes = [report.Processes[0]] };

        Assert.Contains($"{report.Processes.Length} processes; ", Write(report, layout: null));
        string html = Write(one, layout: null);
        Assert.Contains("1 process; ", html);
        Assert.DoesNotContain("1 processes", html);
    }

    private static HtmlReportPage Render(Report report) => HtmlReportPage.Parse(Write(report, new MsaglGraphLayout()));

    private static string Write(Report report, IGraphLayout? layout)
    {
        using StringWriter w = new();
        HtmlReport.Write(report, layout, w);
        return w.ToString();
    }
}
