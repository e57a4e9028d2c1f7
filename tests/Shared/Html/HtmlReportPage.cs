using System.Globalization;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace ProcAudit.TestSupport;

/// <summary>A box of the drawn wait graph, from its SVG rect.</summary>
internal sealed record SvgBox(double X, double Y, double Width, double Height)
{
    /// <summary>True when the point lies on the box's border, give or take <paramref name="slack"/> pixels.</summary>
    public bool OnBorder(double x, double y, double slack) =>
        x >= X - slack && x <= X + Width + slack && y >= Y - slack && y <= Y + Height + slack
        && (Math.Abs(x - X) <= slack || Math.Abs(x - X - Width) <= slack || Math.Abs(y - Y) <= slack || Math.Abs(y - Y - Height) <= slack);

    public bool Overlaps(SvgBox o) => X < o.X + o.Width && o.X < X + Width && Y < o.Y + o.Height && o.Y < Y + Height;
}

/// <summary>A node of the drawn graph: its id, its label as the browser reads it, <c>process</c>, <c>object</c> or <c>note</c>.</summary>
internal sealed record SvgNode(string Id, string Label, string Kind, bool Outside, SvgBox Box);

/// <summary>An edge of the drawn graph, with where its curve starts and its arrowhead's tip.</summary>
internal sealed record SvgEdge(string From, string To, string Label, IReadOnlyList<string> Classes, string Stroke, bool Dashed, double StartX, double StartY, double TipX, double TipY)
{
    public bool Cycle => Classes.Contains("cycle");

    public bool Chain => Classes.Contains("chain");

    public bool Inferred => Classes.Contains("inferred");
}

/// <summary>A cycle or finding as the page shows it.</summary>
internal sealed record PageProblem(string Kind, string Name, string Summary, string Fix);

/// <summary>
/// The HTML report read back by a real HTML5 parser (AngleSharp, strict: a markup error fails), with what
/// every page must hold checked on the way: a content security policy that forbids everything but inline
/// style, nothing that loads or runs (no script, image, frame, link, event handler, remote URL), and an SVG
/// whose every edge joins two of its nodes.
/// </summary>
internal sealed class HtmlReportPage
{
    private static readonly Regex s_number = new(@"-?\d+(\.\d+)?", RegexOptions.CultureInvariant);

    private HtmlReportPage(IHtmlDocument document)
    {
        Document = document;
    }

    public IHtmlDocument Document { get; }

    public string Verdict => Document.QuerySelector("h1.verdict")?.GetAttribute("data-verdict") ?? "";

    public string Headline => Document.QuerySelector("h1.verdict")?.TextContent ?? "";

    public IReadOnlyList<PageProblem> Problems { get; private set; } = [];

    public bool HasGraph => Document.QuerySelector("svg.wait-graph") is not null;

    public IReadOnlyDictionary<string, SvgNode> Nodes { get; private set; } = new Dictionary<string, SvgNode>();

    public IReadOnlyList<SvgEdge> Edges { get; private set; } = [];

    /// <summary>The pids of the process table's rows.</summary>
    public IReadOnlyList<int> Pids => Document.QuerySelectorAll("table.processes tr[id^='pid-']").Select(r => int.Parse(r.Id!["pid-".Length..], CultureInfo.InvariantCulture)).ToList();

    public static HtmlReportPage Parse(string html)
    {
        HtmlParser parser = new(new HtmlParserOptions { IsStrictMode = true });
        IHtmlDocument document = parser.ParseDocument(html);
        HtmlReportPage page = new(document);

        IElement csp = Assert.Single(document.QuerySelectorAll("meta[http-equiv='Content-Security-Policy']"));
        Assert.StartsWith("default-src 'none';", csp.GetAttribute("content"));
        Assert.Empty(document.QuerySelectorAll("script, img, iframe, frame, object, embed, link, base, form, audio, video, image, use, foreignObject, a"));
        foreach (IElement e in document.All)
        {
            foreach (IAttr a in e.Attributes)
            {
                Assert.False(a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"<{e.LocalName}> has an event handler {a.Name}");
                bool svgNamespace = a.Name == "xmlns" && a.Value == "http://www.w3.org/2000/svg";
                Assert.True(svgNamespace || !Regex.IsMatch(a.Value, @"(https?|file|data|javascript):|^//", RegexOptions.IgnoreCase), $"<{e.LocalName} {a.Name}=\"{a.Value}\"> points somewhere");
            }
        }

        page.Problems = document.QuerySelectorAll("section#problems article").Select(a => new PageProblem(
            a.ClassList.Contains("cycle") ? "cycle" : "finding",
            a.GetAttribute(a.ClassList.Contains("cycle") ? "data-pattern" : "data-kind") ?? "",
            a.QuerySelector("p.summary")?.TextContent ?? "",
            (a.QuerySelector("p.fix")?.TextContent ?? "").Replace("Fix: ", "", StringComparison.Ordinal))).ToList();

        IElement? svg = document.QuerySelector("svg.wait-graph");
        if (svg is null)
        {
            return page;
        }
        Assert.True(Number(svg, "width") > 0 && Number(svg, "height") > 0, "the svg has no size");
        Dictionary<string, SvgNode> nodes = new();
        foreach (IElement g in svg.QuerySelectorAll("g.node"))
        {
            IElement rect = g.QuerySelector("rect") ?? throw new InvalidOperationException($"node {g.Id} has no rect");
            string kind = new[] { "process", "object", "note" }.Single(g.ClassList.Contains);
            nodes.Add(g.Id!, new SvgNode(g.Id!, g.QuerySelector("title")?.TextContent ?? "", kind, g.ClassList.Contains("outside"),
                new SvgBox(Number(rect, "x"), Number(rect, "y"), Number(rect, "width"), Number(rect, "height"))));
            // What is drawn is the label, line by line (broken at spaces, or inside a word longer than a line).
            Assert.Equal(nodes[g.Id!].Label.Replace(" ", "", StringComparison.Ordinal), string.Concat(g.QuerySelectorAll("tspan").Select(t => t.TextContent)).Replace(" ", "", StringComparison.Ordinal));
        }
        List<SvgEdge> edges = new();
        foreach (IElement g in svg.QuerySelectorAll("g.edge"))
        {
            string from = g.GetAttribute("data-from") ?? "";
            string to = g.GetAttribute("data-to") ?? "";
            Assert.True(nodes.ContainsKey(from) && nodes.ContainsKey(to), $"an edge joins {from} and {to}, not two nodes of the picture");
            IElement path = g.QuerySelector("path") ?? throw new InvalidOperationException($"edge {from} -> {to} has no path");
            double[] start = s_number.Matches(path.GetAttribute("d")!).Take(2).Select(m => double.Parse(m.Value, CultureInfo.InvariantCulture)).ToArray();
            Assert.StartsWith("M", path.GetAttribute("d"));
            IElement? head = g.QuerySelector("polygon.arrowhead");
            double[] tip = head is null ? start : s_number.Matches(head.GetAttribute("points")!).Take(2).Select(m => double.Parse(m.Value, CultureInfo.InvariantCulture)).ToArray();
            edges.Add(new SvgEdge(from, to, g.QuerySelector("title")?.TextContent ?? "", g.ClassList.ToList(), path.GetAttribute("stroke") ?? "",
                path.HasAttribute("stroke-dasharray"), start[0], start[1], tip[0], tip[1]));
        }
        page.Nodes = nodes;
        page.Edges = edges;
        return page;
    }

    /// <summary>
    /// The picture was laid out for real: no two boxes overlap, and every edge leaves its source's border and
    /// ends, with its arrowhead, on its target's.
    /// </summary>
    public void AssertLaidOut()
    {
        Assert.True(HasGraph, "the page has no wait graph");
        List<SvgNode> nodes = Nodes.Values.ToList();
        for (int i = 0; i < nodes.Count; i++)
        {
            for (int j = i + 1; j < nodes.Count; j++)
            {
                Assert.False(nodes[i].Box.Overlaps(nodes[j].Box), $"{nodes[i].Id} ({nodes[i].Label}) and {nodes[j].Id} ({nodes[j].Label}) overlap");
            }
        }
        foreach (SvgEdge e in Edges)
        {
            Assert.True(Nodes[e.From].Box.OnBorder(e.StartX, e.StartY, 2), $"edge {e.From} -> {e.To} starts at ({e.StartX}, {e.StartY}), off {Nodes[e.From].Box}");
            Assert.True(Nodes[e.To].Box.OnBorder(e.TipX, e.TipY, 2), $"edge {e.From} -> {e.To} ends at ({e.TipX}, {e.TipY}), off {Nodes[e.To].Box}");
        }
    }

    /// <summary>The node whose label is exactly <paramref name="label"/>.</summary>
    public SvgNode Node(string label) => Assert.Single(Nodes.Values, n => n.Label == label);

    private static double Number(IElement e, string attribute) =>
        double.Parse(e.GetAttribute(attribute) ?? throw new InvalidOperationException($"<{e.LocalName}> has no {attribute}"), CultureInfo.InvariantCulture);
}
