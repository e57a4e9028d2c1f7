using ProcAudit.Analysis;
using ProcAudit.Reporting;

namespace ProcAudit.Tests.Reporting;

/// <summary>
/// The wait graph as Graphviz DOT, drawn from the five real hangs of <see cref="RecordedHangs"/> and read by Graphviz
/// itself: the nodes and edges it finds, the cycle red (#dd0000), a chain orange (#ee7700), inferred waits dashed,
/// processes outside the tree dashed; and the same drawing as the Mermaid of the same report.
/// </summary>
public sealed class DotGraphTests
{
    private const string Red = "#dd0000";
    private const string Orange = "#ee7700";

    [Fact]
    public void A_pipe_inversion_is_a_red_cycle_through_two_pipes()
    {
        AuditResult result = RecordedHangs.Load(RecordedHangs.PipeInversion);
        ProcessInfo parent = result.Snapshot.FindProcess(result.Snapshot.Root)!;
        ProcessInfo child = Assert.Single(result.Snapshot.Processes, p => p.PPid == parent.Pid);

        DotGraph g = DotGraph.Read(GraphText.Dot(ReportBuilder.Build(result)));

        Assert.Equal(4, g.Nodes.Count);
        Assert.Equal(2, g.Nodes.Values.Count(n => n.Shape == "cylinder" && n.Label.StartsWith("pipe:[", StringComparison.Ordinal)));
        Assert.Equal(4, g.Edges.Count);
        Assert.All(g.Edges, e => Assert.Equal((Red, false), (e.Color, e.Dashed)));
        DotEdge write = Assert.Single(g.Edges, e => e.Label == "write-full-pipe fd 2");
        Assert.Equal(g.Node($"python3 {child.Pid}").Name, write.From);
        Assert.EndsWith("65536/65536 bytes full", g.Nodes[write.To].Label);
        // The cycle closes: each node is left once and reached once.
        Assert.Equal(g.Nodes.Keys.Order(), g.Edges.Select(e => e.From).Order());
        Assert.Equal(g.Nodes.Keys.Order(), g.Edges.Select(e => e.To).Order());
        DotEdge read = Assert.Single(g.Edges, e => e.From == g.Node($"python3 {parent.Pid}").Name);
        Assert.StartsWith("read-empty-pipe fd ", read.Label);
    }

    [Fact]
    public void A_leaked_write_end_is_an_orange_chain_to_the_orphan_dashed_outside_the_tree()
    {
        AuditResult result = RecordedHangs.Load(RecordedHangs.LeakedWriteEnd);
        ProcessInfo sleep = Assert.Single(result.Snapshot.Processes, p => !p.InTree);

        DotGraph g = DotGraph.Read(GraphText.Dot(ReportBuilder.Build(result)));

        DotNode orphan = g.Node($"sleep {sleep.Pid} (outside the tree)");
        Assert.Equal(new[] { orphan }, g.Nodes.Values.Where(n => n.Outside));
        DotEdge written = Assert.Single(g.Edges, e => e.To == orphan.Name);
        Assert.Equal(("written by", Orange, false), (written.Label, written.Color, written.Dashed));
        DotEdge read = Assert.Single(g.Edges, e => e.To == written.From);
        Assert.StartsWith("read-empty-pipe fd ", read.Label);
        Assert.Equal($"bash {result.Snapshot.Root}", g.Nodes[read.From].Label);
        Assert.Equal(2, g.Colored(Orange).Count());
    }

    [Fact]
    public void A_socket_peer_that_does_not_read_is_an_orange_dashed_chain_through_the_socket_to_the_peer()
    {
        DotGraph g = DotGraph.Read(GraphText.Dot(RecordedHangs.ReportOf(RecordedHangs.SocketPeerNotReading)));

        DotNode socket = g.Node("socket:[613835] tcp Send-Q 3791494");
        Assert.Equal("cylinder", socket.Shape);
        Assert.Equal(3, g.Nodes.Count);
        Assert.Equal(
            new[] { new DotEdge(g.Node("go-tcp-sender 31513").Name, socket.Name, "send-full-socket fd 4 (inferred)", Orange, true), new DotEdge(socket.Name, g.Node("go-tcp-sender 31518").Name, "peer held by", Orange, true) },
            g.Edges);
    }

    [Fact]
    public void The_go_lock_chain_is_orange_from_the_lock_waiter_to_the_peer_that_does_not_read()
    {
        DotGraph g = DotGraph.Read(GraphText.Dot(RecordedHangs.ReportOf(RecordedHangs.GoLockChain)));

        Assert.Equal(7, g.Nodes.Count);
        Assert.Equal(6, g.Colored(Orange).Count());
        Assert.Equal(4, g.Edges.Count(e => e.Dashed));
        DotNode socket = Assert.Single(g.Nodes.Values, n => n.Shape == "cylinder" && n.Label.Contains(" tcp Send-Q 3782144", StringComparison.Ordinal));
        DotEdge peer = Assert.Single(g.Edges, e => e.From == socket.Name);
        Assert.Equal(("peer held by", false), (peer.Label, peer.Dashed));
        Assert.Equal("go-broadcaster 17219", g.Nodes[peer.To].Label);
        // The chain runs unbroken from goroutine 1, waiting for the lock, to the peer: one edge out of each node but the last.
        string at = g.Node("go-broadcaster 17214 goroutine 1").Name;
        List<string> path = [at];
        while (g.Edges.SingleOrDefault(e => e.From == at) is DotEdge next)
        {
            at = next.To;
            path.Add(at);
        }
        Assert.Equal(7, path.Count);
        Assert.Equal(peer.To, path[^1]);
    }

    [Fact]
    public void A_thread_lock_cycle_is_red_and_dashed_between_the_two_threads_and_the_join_is_plain()
    {
        DotGraph g = DotGraph.Read(GraphText.Dot(RecordedHangs.ReportOf(RecordedHangs.ThreadLockCycle)));

        Assert.Equal(6, g.Nodes.Count);
        Assert.All(g.Edges, e => Assert.True(e.Dashed, $"{e.Label} is not dashed though inferred"));
        List<DotEdge> red = g.Colored(Red).ToList();
        Assert.Equal(4, red.Count);
        string a = g.Node("c-mutex-abba 12931 thread 12932").Name;
        string b = g.Node("c-mutex-abba 12931 thread 12933").Name;
        // a waits for a mutex held by b, and b for one held by a.
        DotEdge aWaits = Assert.Single(red, e => e.From == a);
        DotEdge bWaits = Assert.Single(red, e => e.From == b);
        Assert.Equal(("futex-owner (inferred)", "futex-owner (inferred)"), (aWaits.Label, bWaits.Label));
        Assert.Equal((b, "held by"), (Assert.Single(red, e => e.From == aWaits.To).To, Assert.Single(red, e => e.From == aWaits.To).Label));
        Assert.Equal((a, "held by"), (Assert.Single(red, e => e.From == bWaits.To).To, Assert.Single(red, e => e.From == bWaits.To).Label));
        DotEdge join = Assert.Single(g.Edges, e => e.Label == "thread-join (inferred)");
        Assert.Equal(("c-mutex-abba 12931", null), (g.Nodes[join.From].Label, join.Color));
        Assert.Equal(2, g.Edges.Count(e => e.Color is null));
    }

    [Theory]
    [InlineData(RecordedHangs.PipeInversion)]
    [InlineData(RecordedHangs.LeakedWriteEnd)]
    [InlineData(RecordedHangs.SocketPeerNotReading)]
    [InlineData(RecordedHangs.GoLockChain)]
    [InlineData(RecordedHangs.ThreadLockCycle)]
    public void Graphviz_draws_what_the_mermaid_draws(string hang)
    {
        Report report = RecordedHangs.ReportOf(hang);
        MermaidGraph m = MermaidGraph.Parse(GraphText.Mermaid(report));

        DotGraph g = DotGraph.Read(GraphText.Dot(report));

        Assert.Equal(m.Nodes.Values.Select(n => (n.Label, n.IsObject ? "cylinder" : "box")).Order(), g.Nodes.Values.Select(n => (n.Label, n.Shape)).Order());
        Assert.Equal(m.Outside.Select(id => m.Nodes[id].Label).Order(), g.Nodes.Values.Where(n => n.Outside).Select(n => n.Label).Order());
        Assert.Equal(
            m.Edges.Select((e, i) => Drawn(m.Nodes[e.From].Label, e.Label, m.Nodes[e.To].Label, m.Red.Contains(i) ? Red : m.Orange.Contains(i) ? Orange : null, e.Dashed)).Order(),
            g.Edges.Select(e => Drawn(g.Nodes[e.From].Label, e.Label, g.Nodes[e.To].Label, e.Color, e.Dashed)).Order());
    }

    [Fact]
    public void A_hostile_process_name_stays_inside_its_label()
    {
        Report report = GraphTextTests.Renamed(RecordedHangs.Load(RecordedHangs.PipeInversion), GraphTextTests.Hostile);

        DotGraph g = DotGraph.Read(GraphText.Dot(report));

        Assert.Equal(4, g.Nodes.Count);
        Assert.Equal(4, g.Edges.Count);
        Assert.All(g.Edges, e => Assert.Equal(Red, e.Color));
        // Graphviz reads the name back whole, with its line breaks written out (\\n, which it shows as \n, not as a break).
        const string Shown = "a\"] --> evil[\"x<script>|`#\\\\\";}{\\\\nn9[\"injected\"]\\\\r\\\\n-->";
        Assert.Equal(2, g.Nodes.Values.Count(n => n.Label.StartsWith(Shown + " ", StringComparison.Ordinal)));
        Assert.DoesNotContain(g.Nodes.Values, n => n.Label == "injected");
    }

    private static string Drawn(string from, string label, string to, string? color, bool dashed) => $"{from} -[{label}|{color}|{(dashed ? "dashed" : "solid")}]-> {to}";
}
