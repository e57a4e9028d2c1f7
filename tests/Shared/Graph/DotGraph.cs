using System.Diagnostics;
using System.Text.Json;

namespace ProcAudit.TestSupport;

/// <summary>A node as Graphviz read it: its label after DOT's unescaping, its shape, and whether it is marked outside the tree (dashed).</summary>
internal sealed record DotNode(string Name, string Label, string Shape, bool Outside);

/// <summary>An edge as Graphviz read it: its label, its colour (null when not emphasised) and whether it is dashed.</summary>
internal sealed record DotEdge(string From, string To, string Label, string? Color, bool Dashed);

/// <summary>
/// A DOT graph as Graphviz itself reads it (`dot -Tjson`, which lays it out): Graphviz fails on a syntax error, so a
/// label that breaks out of its quotes cannot pass, and what it reports is what a user of Graphviz would see.
/// </summary>
internal sealed record DotGraph(Dictionary<string, DotNode> Nodes, List<DotEdge> Edges)
{
    public DotNode Node(string label) => Assert.Single(Nodes.Values, n => n.Label == label);

    public IEnumerable<DotEdge> Colored(string color) => Edges.Where(e => e.Color == color);

    public static DotGraph Read(string dot)
    {
        using JsonDocument json = JsonDocument.Parse(Graphviz(dot, "-Tjson"));
        JsonElement root = json.RootElement;
        Dictionary<int, DotNode> byId = new();
        if (root.TryGetProperty("objects", out JsonElement objects))
        {
            foreach (JsonElement o in objects.EnumerateArray())
            {
                byId.Add(o.GetProperty("_gvid").GetInt32(), new DotNode(
                    o.GetProperty("name").GetString()!,
                    o.GetProperty("label").GetString()!,
                    o.GetProperty("shape").GetString()!,
                    Attribute(o, "style")?.Contains("dashed", StringComparison.Ordinal) == true));
            }
        }
        List<DotEdge> edges = new();
        if (root.TryGetProperty("edges", out JsonElement list))
        {
            foreach (JsonElement e in list.EnumerateArray())
            {
                edges.Add(new DotEdge(
                    byId[e.GetProperty("tail").GetInt32()].Name,
                    byId[e.GetProperty("head").GetInt32()].Name,
                    e.GetProperty("label").GetString()!,
                    Attribute(e, "color"),
                    Attribute(e, "style") == "dashed"));
            }
        }
        return new DotGraph(byId.Values.ToDictionary(n => n.Name), edges);
    }

    private static string? Attribute(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) ? value.GetString() : null;

    private static string Graphviz(string dot, string format)
    {
        string exe = Executables.FindOnPath("dot")
            ?? throw new InvalidOperationException("Graphviz's dot is needed and is not on PATH: apt-get install graphviz (.ci/run does)");
        using Process p = Process.Start(new ProcessStartInfo(exe, format) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true })!;
        p.StandardInput.Write(dot);
        p.StandardInput.Close();
        Task<string> errors = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(30_000))
        {
            p.Kill();
            Assert.Fail("dot did not finish in 30 s");
        }
        Assert.True(p.ExitCode == 0 && errors.Result.Length == 0, $"dot: {errors.Result}");
        return output;
    }
}
