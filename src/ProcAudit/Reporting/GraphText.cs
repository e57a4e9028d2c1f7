using System.Globalization;
using System.Text;

namespace ProcAudit.Reporting;

/// <summary>
/// The wait-graph picture as Mermaid (GitHub renders it in job summaries) and as Graphviz DOT. Node
/// ids are generated; labels come from the tree and are escaped for each syntax, so a process name
/// cannot close a label, add a node or inject markup.
/// </summary>
public static class GraphText
{
    /// <summary>A Mermaid <c>flowchart</c> of the report's waits (no fence).</summary>
    public static string Mermaid(Report report)
    {
        WaitPicture picture = WaitPicture.Of(report);
        StringBuilder sb = new();
        sb.Append("flowchart LR\n");
        foreach (PictureNode n in picture.Nodes)
        {
            string label = MermaidLabel(n.Label);
            sb.Append(CultureInfo.InvariantCulture, $"  {n.Id}{(n.IsObject ? $"[(\"{label}\")]" : $"[\"{label}\"]")}\n");
        }
        int index = 0;
        List<int> cycle = new();
        List<int> chain = new();
        foreach (PictureEdge e in picture.Edges)
        {
            string arrow = e.Inferred ? "-.->" : e.Emphasis is not null ? "==>" : "-->";
            sb.Append(CultureInfo.InvariantCulture, $"  {e.From} {arrow}|\"{MermaidLabel(e.Label)}\"| {e.To}\n");
            (e.Emphasis == "cycle" ? cycle : e.Emphasis == "chain" ? chain : new List<int>()).Add(index);
            index++;
        }
        if (cycle.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  linkStyle {string.Join(',', cycle)} stroke:#d00,stroke-width:3px\n");
        }
        if (chain.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  linkStyle {string.Join(',', chain)} stroke:#e70,stroke-width:3px\n");
        }
        List<string> outside = picture.Nodes.Where(n => n.Outside).Select(n => n.Id).ToList();
        if (outside.Count > 0)
        {
            sb.Append("  classDef outside stroke-dasharray:5 5,fill:#fee\n");
            sb.Append(CultureInfo.InvariantCulture, $"  class {string.Join(',', outside)} outside\n");
        }
        return sb.ToString();
    }

    /// <summary>The same picture as a Graphviz digraph.</summary>
    public static string Dot(Report report)
    {
        WaitPicture picture = WaitPicture.Of(report);
        StringBuilder sb = new();
        sb.Append("digraph procaudit {\n  rankdir=LR;\n  node [fontname=\"sans-serif\"];\n");
        foreach (PictureNode n in picture.Nodes)
        {
            string shape = n.IsObject ? "cylinder" : "box";
            string style = n.Outside ? ", style=\"dashed,filled\", fillcolor=\"#ffeeee\"" : "";
            sb.Append(CultureInfo.InvariantCulture, $"  {n.Id} [label=\"{DotLabel(n.Label)}\", shape={shape}{style}];\n");
        }
        foreach (PictureEdge e in picture.Edges)
        {
            List<string> attributes = [$"label=\"{DotLabel(e.Label)}\""];
            if (e.Inferred)
            {
                attributes.Add("style=dashed");
            }
            if (e.Emphasis is string emphasis)
            {
                attributes.Add(emphasis == "cycle" ? "color=\"#dd0000\"" : "color=\"#ee7700\"");
                attributes.Add("penwidth=3");
            }
            sb.Append(CultureInfo.InvariantCulture, $"  {e.From} -> {e.To} [{string.Join(", ", attributes)}];\n");
        }
        sb.Append("}\n");
        return sb.ToString();
    }

    /// <summary>Inside a quoted Mermaid label: quotes and markup as entity codes, no line breaks or control characters.</summary>
    private static string MermaidLabel(string text)
    {
        StringBuilder sb = new();
        foreach (char c in TerminalText.Safe(text))
        {
            sb.Append(c switch
            {
                '"' => "#quot;",
                '<' => "#lt;",
                '>' => "#gt;",
                '&' => "#amp;",
                '#' => "#35;",
                '|' => "#124;",
                '`' => "#96;",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }

    /// <summary>Inside a quoted DOT string: backslash and quote escaped, no line breaks or control characters.</summary>
    private static string DotLabel(string text) =>
        TerminalText.Safe(text).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
