using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace ProcAudit.Reporting;

/// <summary>
/// The wait-graph picture (<see cref="WaitPicture"/>) as inline SVG, placed by a layout engine: the
/// boxes are measured here (monospace text, so a label's width follows from its length), the engine
/// places them and routes the edges, and this class draws the result. Each node is a
/// <c>&lt;g class="node"&gt;</c> with the picture's id, each edge a <c>&lt;g class="edge"&gt;</c> with
/// <c>data-from</c> and <c>data-to</c>; a cycle's edges are red, a finding's chain orange, inferred
/// edges dashed, processes outside the tree dashed on pink. Labels are escaped.
/// </summary>
internal static class SvgPicture
{
    /// <summary>The colour of a cycle's edges.</summary>
    public const string CycleColour = "#dd0000";

    /// <summary>The colour of a finding's chain.</summary>
    public const string ChainColour = "#ee7700";

    private const string PlainColour = "#555555";
    private const string Font = "DejaVu Sans Mono, Menlo, Consolas, monospace";
    private const double NodeFont = 12;
    private const double NodeCharWidth = 7.3;
    private const double NodeLine = 15;
    private const int NodeChars = 34;
    private const double EdgeFont = 11;
    private const double EdgeCharWidth = 6.7;
    private const double EdgeLine = 13;
    private const int EdgeChars = 28;
    private const double PadX = 8;
    private const double PadY = 6;

    /// <summary>The boxes and edges to lay out, each box as big as its label.</summary>
    public static LayoutRequest Request(WaitPicture picture) =>
        new(
            picture.Nodes.Select(n =>
            {
                List<string> lines = Wrap(n.Label, NodeChars);
                return new LayoutBox(n.Id, Width(lines, NodeCharWidth) + 2 * PadX, lines.Count * NodeLine + 2 * PadY);
            }).ToImmutableArray(),
            picture.Edges.Select(e =>
            {
                List<string> lines = Wrap(e.Label, EdgeChars);
                return new LayoutLink(e.From, e.To, Width(lines, EdgeCharWidth) + 4, lines.Count * EdgeLine + 2);
            }).ToImmutableArray());

    /// <summary>Writes the picture as one <c>&lt;svg&gt;</c> element, drawn where <paramref name="layout"/> (checked against <paramref name="request"/>) puts it.</summary>
    public static void Write(WaitPicture picture, LayoutRequest request, GraphLayout layout, TextWriter w)
    {
        Dictionary<string, PlacedBox> placed = layout.Nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
        Dictionary<string, LayoutBox> sizes = request.Nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
        w.Write($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"wait-graph\" width=\"{N(layout.Width)}\" height=\"{N(layout.Height)}\" viewBox=\"0 0 {N(layout.Width)} {N(layout.Height)}\" role=\"img\" aria-label=\"wait graph\" font-family=\"{Font}\">\n");
        w.Write($"<rect class=\"background\" x=\"0\" y=\"0\" width=\"{N(layout.Width)}\" height=\"{N(layout.Height)}\" fill=\"#ffffff\"/>\n");
        for (int i = 0; i < picture.Edges.Count; i++)
        {
            WriteEdge(picture.Edges[i], layout.Edges[i], w);
        }
        foreach (PictureNode n in picture.Nodes)
        {
            WriteNode(n, placed[n.Id], sizes[n.Id], w);
        }
        w.Write("</svg>\n");
    }

    private static void WriteNode(PictureNode n, PlacedBox at, LayoutBox size, TextWriter w)
    {
        string kind = n.IsObject ? "object" : IsNote(n) ? "note" : "process";
        string fill = n.Outside ? "#ffeeee" : n.IsObject ? "#eef4ff" : "#ffffff";
        string dash = n.Outside ? " stroke-dasharray=\"5 3\"" : "";
        string label = HtmlText.Escape(n.Label);
        w.Write($"<g class=\"node {kind}{(n.Outside ? " outside" : "")}\" id=\"{n.Id}\"><title>{label}</title>");
        w.Write($"<rect x=\"{N(at.X)}\" y=\"{N(at.Y)}\" width=\"{N(size.Width)}\" height=\"{N(size.Height)}\" rx=\"{(n.IsObject ? 10 : 2)}\" fill=\"{fill}\" stroke=\"#333333\" stroke-width=\"1.2\"{dash}/>");
        WriteText(Wrap(n.Label, NodeChars), at.X + size.Width / 2, at.Y + PadY, NodeFont, NodeLine, "#111111", w);
        w.Write("</g>\n");
    }

    private static void WriteEdge(PictureEdge e, RoutedEdge route, TextWriter w)
    {
        string colour = e.Emphasis switch
        {
            "cycle" => CycleColour,
            "chain" => ChainColour,
            _ => PlainColour,
        };
        string classes = "edge" + (e.Emphasis is string emphasis ? " " + emphasis : "") + (e.Inferred ? " inferred" : "");
        string width = e.Emphasis is null ? "1.4" : "3";
        string dash = e.Inferred ? " stroke-dasharray=\"7 4\"" : "";
        w.Write($"<g class=\"{classes}\" data-from=\"{e.From}\" data-to=\"{e.To}\"><title>{HtmlText.Escape(e.Label)}</title>");
        w.Write($"<path d=\"{Path(route)}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\"{dash}/>");
        LayoutPoint end = route.Pieces.Length > 0 ? route.Pieces[^1].End : route.Start;
        if (Arrowhead(end, route.Tip) is string points)
        {
            w.Write($"<polygon class=\"arrowhead\" points=\"{points}\" fill=\"{colour}\"/>");
        }
        if (route.Label is LayoutPoint centre)
        {
            List<string> lines = Wrap(e.Label, EdgeChars);
            double width2 = Width(lines, EdgeCharWidth) + 4;
            double height = lines.Count * EdgeLine + 2;
            w.Write($"<rect class=\"label-background\" x=\"{N(centre.X - width2 / 2)}\" y=\"{N(centre.Y - height / 2)}\" width=\"{N(width2)}\" height=\"{N(height)}\" fill=\"#ffffff\" fill-opacity=\"0.85\"/>");
            WriteText(lines, centre.X, centre.Y - height / 2 + 1, EdgeFont, EdgeLine, e.Emphasis is null ? "#333333" : colour, w);
        }
        w.Write("</g>\n");
    }

    /// <summary>Lines of text centred on <paramref name="x"/>, the first line's box starting at <paramref name="top"/>.</summary>
    private static void WriteText(List<string> lines, double x, double top, double size, double line, string colour, TextWriter w)
    {
        w.Write($"<text x=\"{N(x)}\" y=\"{N(top)}\" font-size=\"{N(size)}\" text-anchor=\"middle\" fill=\"{colour}\" xml:space=\"preserve\">");
        for (int i = 0; i < lines.Count; i++)
        {
            // The baseline sits about a fifth of the line above the line's bottom.
            w.Write($"<tspan x=\"{N(x)}\" y=\"{N(top + (i + 1) * line - line * 0.22)}\">{HtmlText.Escape(lines[i])}</tspan>");
        }
        w.Write("</text>");
    }

    private static string Path(RoutedEdge route)
    {
        StringBuilder d = new($"M{N(route.Start.X)},{N(route.Start.Y)}");
        foreach (CurvePiece p in route.Pieces)
        {
            d.Append(p.Control1 is LayoutPoint c1 && p.Control2 is LayoutPoint c2
                ? $" C{N(c1.X)},{N(c1.Y)} {N(c2.X)},{N(c2.Y)} {N(p.End.X)},{N(p.End.Y)}"
                : $" L{N(p.End.X)},{N(p.End.Y)}");
        }
        return d.ToString();
    }

    /// <summary>A triangle from the curve's end to the tip; none when the two meet.</summary>
    private static string? Arrowhead(LayoutPoint from, LayoutPoint tip)
    {
        double dx = tip.X - from.X;
        double dy = tip.Y - from.Y;
        double length = Math.Sqrt(dx * dx + dy * dy);
        if (length < 0.5)
        {
            return null;
        }
        double half = Math.Max(3, length * 0.45);
        double nx = -dy / length * half;
        double ny = dx / length * half;
        return $"{N(tip.X)},{N(tip.Y)} {N(from.X + nx)},{N(from.Y + ny)} {N(from.X - nx)},{N(from.Y - ny)}";
    }

    /// <summary>The "... and N more waits" node, which is neither a process nor an object.</summary>
    private static bool IsNote(PictureNode n) => n.Label.StartsWith("... and ", StringComparison.Ordinal);

    /// <summary>The label in lines of at most <paramref name="max"/> columns, broken at spaces where it can be.</summary>
    internal static List<string> Wrap(string label, int max)
    {
        string text = TerminalText.Safe(label);
        List<string> lines = new();
        StringBuilder line = new();
        foreach (string word in text.Split(' '))
        {
            string rest = word;
            while (Columns(rest) > max)
            {
                if (line.Length > 0)
                {
                    lines.Add(line.ToString());
                    line.Clear();
                }
                int cut = Cut(rest, max);
                lines.Add(rest[..cut]);
                rest = rest[cut..];
            }
            if (line.Length > 0 && Columns(line.ToString()) + 1 + Columns(rest) > max)
            {
                lines.Add(line.ToString());
                line.Clear();
            }
            line.Append(line.Length > 0 ? " " : "").Append(rest);
        }
        if (line.Length > 0 || lines.Count == 0)
        {
            lines.Add(line.ToString());
        }
        return lines;
    }

    private static double Width(List<string> lines, double charWidth) => Math.Max(1, lines.Max(Columns)) * charWidth;

    /// <summary>Where to cut a word longer than <paramref name="max"/> columns without splitting a surrogate pair.</summary>
    private static int Cut(string word, int max)
    {
        int columns = 0;
        int i = 0;
        foreach (Rune r in word.EnumerateRunes())
        {
            int c = Wide(r) ? 2 : 1;
            if (columns + c > max && i > 0)
            {
                break;
            }
            columns += c;
            i += r.Utf16SequenceLength;
        }
        return i;
    }

    /// <summary>The width of the text in monospace columns: East Asian wide characters and emoji take two.</summary>
    private static int Columns(string text)
    {
        int columns = 0;
        foreach (Rune r in text.EnumerateRunes())
        {
            columns += Wide(r) ? 2 : 1;
        }
        return columns;
    }

    private static bool Wide(Rune r) => r.Value is (>= 0x1100 and <= 0x115F) or (>= 0x2E80 and <= 0xA4CF) or (>= 0xAC00 and <= 0xD7A3)
        or (>= 0xF900 and <= 0xFAFF) or (>= 0xFE30 and <= 0xFE4F) or (>= 0xFF00 and <= 0xFF60) or (>= 0xFFE0 and <= 0xFFE6)
        or (>= 0x1F300 and <= 0x1FAFF) or (>= 0x20000 and <= 0x3FFFD);

    /// <summary>A coordinate as SVG wants it: invariant, one decimal.</summary>
    private static string N(double v) => Math.Round(v, 1).ToString("0.#", CultureInfo.InvariantCulture);
}
