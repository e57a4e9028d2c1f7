using System.Collections.Immutable;
using ProcAudit.Analysis;
using ProcAudit.Reporting;

namespace ProcAudit.Tests.Reporting;

/// <summary>
/// The wait graph as Mermaid, drawn from the five real hangs of <see cref="RecordedHangs"/> and read back by its
/// grammar: nodes, edges, the cycle red, a chain orange, inferred waits dashed, processes outside the tree marked.
/// Graphviz's reading of the same graphs is in <see cref="DotGraphTests"/>.
/// </summary>
public sealed class GraphTextTests
{
    /// <summary>A name that tries every way out of a Mermaid label: a quote, brackets, an edge, a pipe, a new line with a node of its own, markup.</summary>
    internal const string Hostile = "a\"] --> evil[\"x<script>|`#\\\";}{\nn9[\"injected\"]\r\n-->";

    [Fact]
    public void A_pipe_inversion_is_two_processes_two_pipes_and_four_red_edges()
    {
        MermaidGraph m = MermaidGraph.Parse(GraphText.Mermaid(RecordedHangs.ReportOf(RecordedHangs.PipeInversion)));

        Assert.Equal(4, m.Nodes.Count);
        Assert.Equal(2, m.Nodes.Values.Count(n => n.IsObject && n.Label.StartsWith("pipe:[", StringComparison.Ordinal)));
        Assert.Equal(4, m.Edges.Count);
        Assert.All(m.Edges, e => Assert.Equal("==>", e.Arrow));
        Assert.Equal(new[] { 0, 1, 2, 3 }, m.Red);
        Assert.Contains(m.Edges, e => e.Label.StartsWith("read-empty-pipe fd ", StringComparison.Ordinal) && m.Nodes[e.To].IsObject);
        Assert.Contains(m.Nodes.Values, n => n.Label.EndsWith("65536/65536 bytes full", StringComparison.Ordinal));
    }

    [Fact]
    public void A_leaked_write_end_marks_the_orphan_outside_the_tree()
    {
        AuditResult result = RecordedHangs.Load(RecordedHangs.LeakedWriteEnd);
        ProcessInfo sleep = Assert.Single(result.Snapshot.Processes, p => !p.InTree);

        MermaidGraph m = MermaidGraph.Parse(GraphText.Mermaid(ReportBuilder.Build(result)));

        string orphan = m.NodeId($"sleep {sleep.Pid} (outside the tree)");
        Assert.Equal(new[] { orphan }, m.Outside);
        Assert.Contains(m.Edges, e => e.To == orphan && e.Label == "written by" && e.Arrow == "==>");
        Assert.Equal(2, m.Orange.Count);
    }

    [Fact]
    public void A_socket_peer_that_does_not_read_is_an_orange_chain_from_the_sender_through_its_socket_to_the_peer()
    {
        AuditResult result = RecordedHangs.Load(RecordedHangs.SocketPeerNotReading);
        Finding finding = Assert.Single(result.Analysis.Findings);
        Assert.Equal("peer-not-reading", finding.Kind);
        // The sender 31513 and the peer 31518, as recorded: the Go program's child, another process, that never reads.
        Assert.Equal(new[] { 31513, 31518 }, finding.Pids.Order());

        MermaidGraph m = MermaidGraph.Parse(GraphText.Mermaid(ReportBuilder.Build(result)));

        Assert.Equal(3, m.Nodes.Count);
        string socket = m.NodeId("socket:[613835] tcp Send-Q 3791494");
        Assert.True(m.Nodes[socket].IsObject);
        Assert.Equal(
            new[] { new MermaidEdge(m.NodeId("go-tcp-sender 31513"), "-.->", "send-full-socket fd 4 (inferred)", socket), new MermaidEdge(socket, "-.->", "peer held by", m.NodeId("go-tcp-sender 31518")) },
            m.Edges);
        Assert.Equal(new[] { 0, 1 }, m.Orange);
        Assert.Empty(m.Red);
        Assert.Empty(m.Outside);
    }

    [Fact]
    public void The_go_lock_chain_is_drawn_in_order_with_its_inferred_edges_dashed()
    {
        MermaidGraph m = MermaidGraph.Parse(GraphText.Mermaid(RecordedHangs.ReportOf(RecordedHangs.GoLockChain)));

        Assert.Equal(6, m.Edges.Count);
        Assert.Equal(4, m.Edges.Count(e => e.Dashed));
        Assert.Equal(Enumerable.Range(0, 6), m.Orange);
        Assert.Contains(m.Nodes.Values, n => n.IsObject && n.Label.StartsWith("golock:", StringComparison.Ordinal));
        Assert.Contains(m.Nodes.Values, n => n.IsObject && n.Label.StartsWith("chan:", StringComparison.Ordinal));
        Assert.Contains(m.Nodes.Values, n => n.IsObject && n.Label.Contains(" tcp Send-Q 3782144", StringComparison.Ordinal));
    }

    [Fact]
    public void A_thread_lock_cycle_is_red_between_the_two_threads_through_their_mutexes_and_the_join_is_not()
    {
        AuditResult result = RecordedHangs.Load(RecordedHangs.ThreadLockCycle);
        Cycle cycle = Assert.Single(result.Analysis.Cycles);
        Assert.Equal("lock-order-inversion", cycle.Pattern);
        // As recorded: c-mutex-abba 12931, worker-a 12932 and worker-b 12933.
        Assert.Equal(new[] { 12932, 12933 }, cycle.Members.Select(m => m.Tid!.Value).Order());

        MermaidGraph m = MermaidGraph.Parse(GraphText.Mermaid(ReportBuilder.Build(result)));

        string a = m.NodeId("c-mutex-abba 12931 thread 12932");
        string b = m.NodeId("c-mutex-abba 12931 thread 12933");
        string main = m.NodeId("c-mutex-abba 12931");
        Assert.Equal(6, m.Nodes.Count);
        Assert.Equal(3, m.Nodes.Values.Count(n => n.IsObject && n.Label.StartsWith("futex:12931:0x", StringComparison.Ordinal)));
        Assert.Equal(6, m.Edges.Count);
        // Mutex owners are read from memory: every edge is inferred, so dashed, even in the cycle.
        Assert.All(m.Edges, e => Assert.True(e.Dashed, $"{e.From} -> {e.To} is not dashed"));
        Assert.Equal(new[] { 2, 3, 4, 5 }, m.Red);
        Assert.Empty(m.Orange);
        List<MermaidEdge> red = m.Red.Select(i => m.Edges[i]).ToList();
        Assert.Equal(
            new[] { (a, "futex-owner (inferred)"), (m.Edges[3].From, "held by"), (b, "futex-owner (inferred)"), (m.Edges[5].From, "held by") },
            red.Select(e => (e.From, e.Label)));
        Assert.Equal(new[] { red[1].From, b, red[3].From, a }, red.Select(e => e.To));
        Assert.All(new[] { red[1].From, red[3].From }, mutex => Assert.StartsWith("futex:12931:0x", m.Nodes[mutex].Label));
        MermaidEdge join = m.Edges[0];
        Assert.Equal((main, "thread-join (inferred)"), (join.From, join.Label));
        Assert.Equal(new MermaidEdge(join.To, "-.->", "held by", a), m.Edges[1]);
    }

    [Fact]
    public void A_hostile_process_name_stays_inside_its_label()
    {
        Report report = Renamed(RecordedHangs.Load(RecordedHangs.PipeInversion), Hostile);

        string mermaid = GraphText.Mermaid(report);
        MermaidGraph m = MermaidGraph.Parse(mermaid);

        Assert.Equal(4, m.Nodes.Count);
        Assert.Equal(4, m.Edges.Count);
        Assert.Equal(4, m.Red.Count);
        // Each character that could end the label or start markup is an entity; the line breaks are written out.
        const string Shown = "a#quot;] --#gt; evil[#quot;x#lt;script#gt;#124;#96;#35;\\#quot;;}{\\nn9[#quot;injected#quot;]\\r\\n--#gt;";
        Assert.Equal(2, m.Nodes.Values.Count(n => n.Label.StartsWith(Shown + " ", StringComparison.Ordinal)));
        Assert.DoesNotContain("<script>", mermaid, StringComparison.Ordinal);
        Assert.DoesNotContain("injected\"", mermaid, StringComparison.Ordinal);
    }

    /// <summary>The report of the recording with every process called <paramref name="name"/>.</summary>
    internal static Report Renamed(AuditResult result, string name)
    {
        Snapshot renamed = result.Snapshot with { Processes = result.Snapshot.Processes.Select(p => p with { Name = name }).ToImmutableArray() };
        return ReportBuilder.Build(Auditor.Analyze(renamed));
    }
}
