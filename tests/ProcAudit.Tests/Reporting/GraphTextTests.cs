using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Collections.Immutable;
using ProcAudit.Analysis;
using ProcAudit.Fixtures;
using ProcAudit.Reporting;
using ProcAudit.Tests.Analysis;
using ProcAudit.Tests.Fixtures;

namespace ProcAudit.Tests.Reporting;

/// <summary>
/// The wait graph as Mermaid and DOT, drawn from real hangs (recorded trees and snapshots) and read back:
/// Mermaid by its line grammar, DOT by Graphviz itself. Hostile names stay inside their labels.
/// </summary>
public sealed class GraphTextTests
{
    private static readonly Regex s_node = new(@"^  (n\d+)(\[""([^""]*)""\]|\[\(""([^""]*)""\)\])$");
    private static readonly Regex s_edge = new(@"^  (n\d+) (-->|==>|-\.->)\|""([^""]*)""\| (n\d+)$");

    [Fact]
    public void A_pipe_inversion_is_two_processes_two_pipes_and_four_red_edges()
    {
        Report report = ReportBuilder.Build(RecordedFixtures.Load(RecordedFixtures.PipeOrderInversion).Audit());

        Mermaid m = Parse(GraphText.Mermaid(report));

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
        AuditResult result = RecordedFixtures.Load(RecordedFixtures.LeakedWriteEnd).Audit();
        Report report = ReportBuilder.Build(result);
        ProcessInfo sleep = Assert.Single(result.Snapshot.Processes, p => !p.InTree);

        Mermaid m = Parse(GraphText.Mermaid(report));

        string orphan = Assert.Single(m.Nodes, n => n.Value.Label == $"sleep {sleep.Pid} (outside the tree)").Key;
        Assert.Equal(new[] { orphan }, m.Outside);
        Assert.Contains(m.Edges, e => e.To == orphan && e.Label == "written by" && e.Arrow == "==>");
        Assert.Equal(2, m.Orange.Count);
    }

    [Fact]
    public void The_go_lock_chain_is_drawn_in_order_with_its_inferred_edges_dashed()
    {
        Report report = ReportBuilder.Build(Auditor.Analyze(RecordedSnapshotTests.Load("go-broadcaster")));

        Mermaid m = Parse(GraphText.Mermaid(report));

        Assert.Equal(6, m.Edges.Count);
        Assert.Equal(4, m.Edges.Count(e => e.Arrow == "-.->"));
        Assert.Equal(Enumerable.Range(0, 6), m.Orange);
        Assert.Contains(m.Nodes.Values, n => n.IsObject && n.Label.StartsWith("golock:", StringComparison.Ordinal));
        Assert.Contains(m.Nodes.Values, n => n.IsObject && n.Label.StartsWith("chan:", StringComparison.Ordinal));
        Assert.Contains(m.Nodes.Values, n => n.IsObject && n.Label.Contains(" tcp Send-Q 3782144", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("pipe")]
    [InlineData("go")]
    public void Graphviz_reads_the_dot_with_the_same_nodes_and_edges(string which)
    {
        Report report = which == "go"
            ? ReportBuilder.Build(Auditor.Analyze(RecordedSnapshotTests.Load("go-broadcaster")))
            : ReportBuilder.Build(RecordedFixtures.Load(RecordedFixtures.PipeOrderInversion).Audit());
        Mermaid m = Parse(GraphText.Mermaid(report));

        string plain = Graphviz(GraphText.Dot(report));

        string[] lines = plain.Split('\n');
        Assert.Equal(m.Nodes.Count, lines.Count(l => l.StartsWith("node ", StringComparison.Ordinal)));
        Assert.Equal(m.Edges.Count, lines.Count(l => l.StartsWith("edge ", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_hostile_process_name_stays_inside_its_label_in_both_formats()
    {
        AuditResult result = RecordedFixtures.Load(RecordedFixtures.PipeOrderInversion).Audit();
        const string Hostile = "a\"] --> evil[\"x<script>|`#\\\";}";
        Snapshot renamed = result.Snapshot with { Processes = result.Snapshot.Processes.Select(p => p with { Name = Hostile }).ToImmutableArray() };
        Report report = ReportBuilder.Build(Auditor.Analyze(renamed));

        string mermaid = GraphText.Mermaid(report);
        Mermaid m = Parse(mermaid);
        string plain = Graphviz(GraphText.Dot(report));

        Assert.Equal(4, m.Nodes.Count);
        Assert.Equal(4, m.Edges.Count);
        Assert.DoesNotContain("<script>", mermaid, StringComparison.Ordinal);
        Assert.DoesNotContain("evil[\"", mermaid, StringComparison.Ordinal);
        Assert.Equal(4, plain.Split('\n').Count(l => l.StartsWith("node ", StringComparison.Ordinal)));
        Assert.Contains("evil", plain, StringComparison.Ordinal);
    }

    private sealed record MermaidNode(string Label, bool IsObject);

    private sealed record MermaidEdge(string From, string Arrow, string Label, string To);

    private sealed record Mermaid(Dictionary<string, MermaidNode> Nodes, List<MermaidEdge> Edges, List<int> Red, List<int> Orange, List<string> Outside);

    /// <summary>Reads the flowchart back by its grammar: every line must be a node, an edge or a style.</summary>
    private static Mermaid Parse(string text)
    {
        string[] lines = text.TrimEnd('\n').Split('\n');
        Assert.Equal("flowchart LR", lines[0]);
        Mermaid m = new(new(), new(), new(), new(), new());
        foreach (string line in lines.Skip(1))
        {
            if (s_node.Match(line) is { Success: true } node)
            {
                m.Nodes.Add(node.Groups[1].Value, new MermaidNode(node.Groups[3].Success ? node.Groups[3].Value : node.Groups[4].Value, node.Groups[4].Success));
            }
            else if (s_edge.Match(line) is { Success: true } edge)
            {
                Assert.True(m.Nodes.ContainsKey(edge.Groups[1].Value) && m.Nodes.ContainsKey(edge.Groups[4].Value), line);
                m.Edges.Add(new MermaidEdge(edge.Groups[1].Value, edge.Groups[2].Value, edge.Groups[3].Value, edge.Groups[4].Value));
            }
            else if (line.StartsWith("  linkStyle ", StringComparison.Ordinal))
            {
                string[] parts = line.Trim().Split(' ');
                (parts[2].Contains("#d00", StringComparison.Ordinal) ? m.Red : m.Orange).AddRange(parts[1].Split(',').Select(int.Parse));
            }
            else if (line.StartsWith("  class ", StringComparison.Ordinal))
            {
                m.Outside.AddRange(line.Trim().Split(' ')[1].Split(','));
            }
            else
            {
                Assert.Equal("  classDef outside stroke-dasharray:5 5,fill:#fee", line);
            }
        }
        return m;
    }

    /// <summary>Graphviz's plain output of the graph: it fails on a syntax error, so a broken label cannot pass.</summary>
    private static string Graphviz(string dot)
    {
        string exe = ProcAudit.TestSupport.Executables.FindOnPath("dot")
            ?? throw new InvalidOperationException("Graphviz's dot is needed and is not on PATH: apt-get install graphviz (.ci/run does)");
        using Process p = Process.Start(new ProcessStartInfo(exe, "-Tplain") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true })!;
        p.StandardInput.Write(dot);
        p.StandardInput.Close();
        string output = p.StandardOutput.ReadToEnd();
        string errors = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(30_000), "dot did not finish");
        Assert.True(p.ExitCode == 0 && errors.Length == 0, $"dot: {errors}");
        return output;
    }
}
