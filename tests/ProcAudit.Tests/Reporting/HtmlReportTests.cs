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
    public void A_hostile_process_name_stays_text_in_the_headline_the_graph_and_the_tables()
    {
        AuditResult result = RecordedFixtures.Load(RecordedFixtures.PipeOrderInversion).Audit();
        const string Hostile = "</title></text></svg><script>alert(1)</script><img src=x onerror=alert(2)>\"'&amp;\u001b[31m";
        Snapshot renamed = result.Snapshot with
        {
            Processes = result.Snapshot.Processes.Select(p => p with { Name = Hostile, Cmdline = [Hostile, "--x=<b>"] }).ToImmutableArray(),
        };
        Report report = ReportBuilder.Build(Auditor.Analyze(renamed));

        string html = Write(report, new MsaglGraphLayout());
        HtmlReportPage page = HtmlReportPage.Parse(html);

        string shown = "</title></text></svg><script>alert(1)</script><img src=x onerror=alert(2)>\"'&amp;\\x1b[31m";
        Assert.Contains(shown, page.Headline);
        Assert.Equal(4, page.Nodes.Count);
        Assert.Equal(4, page.Edges.Count);
        Assert.Equal(2, page.Nodes.Values.Count(n => n.Label.StartsWith(shown, StringComparison.Ordinal)));
        Assert.All(page.Document.QuerySelectorAll("table.processes td.mono"), td => Assert.Equal(shown + " --x=<b>", td.TextContent));
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', html);
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

    private static HtmlReportPage Render(Report report) => HtmlReportPage.Parse(Write(report, new MsaglGraphLayout()));

    private static string Write(Report report, IGraphLayout? layout)
    {
        using StringWriter w = new();
        HtmlReport.Write(report, layout, w);
        return w.ToString();
    }
}
