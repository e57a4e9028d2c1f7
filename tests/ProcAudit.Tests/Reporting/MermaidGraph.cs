using System.Text.RegularExpressions;

namespace ProcAudit.Tests.Reporting;

/// <summary>A node of a flowchart read back: its label as written, and whether it is drawn as an object (a cylinder).</summary>
internal sealed record MermaidNode(string Label, bool IsObject);

/// <summary>An edge of a flowchart read back: <c>-.-&gt;</c> dashed (inferred), <c>==&gt;</c> thick, <c>--&gt;</c> plain.</summary>
internal sealed record MermaidEdge(string From, string Arrow, string Label, string To)
{
    public bool Dashed => Arrow == "-.->";
}

/// <summary>
/// A Mermaid flowchart as GraphText writes it, read back by its line grammar: every line must be a node, an edge, a
/// link style or the outside class, so a label that breaks out of its quotes (a new node, a new line) fails the read.
/// </summary>
internal sealed record MermaidGraph(Dictionary<string, MermaidNode> Nodes, List<MermaidEdge> Edges, List<int> Red, List<int> Orange, List<string> Outside)
{
    private static readonly Regex s_node = new(@"^  (n\d+)(\[""([^""]*)""\]|\[\(""([^""]*)""\)\])$");
    private static readonly Regex s_edge = new(@"^  (n\d+) (-->|==>|-\.->)\|""([^""]*)""\| (n\d+)$");

    public string NodeId(string label) => Assert.Single(Nodes, n => n.Value.Label == label).Key;

    public static MermaidGraph Parse(string text)
    {
        string[] lines = text.TrimEnd('\n').Split('\n');
        Assert.Equal("flowchart LR", lines[0]);
        MermaidGraph m = new(new(), new(), new(), new(), new());
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
}
