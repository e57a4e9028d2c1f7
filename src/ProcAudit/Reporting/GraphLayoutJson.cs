using System.Text.Json;
using System.Text.Json.Serialization;

namespace ProcAudit.Reporting;

/// <summary>
/// The layout request and its answer as JSON, for a layout taken by another process (the tool's
/// hidden graph-layout verb): the request on its stdin, the layout on its stdout. An answer is
/// checked against its request before it is drawn.
/// </summary>
public static class GraphLayoutJson
{
    private static readonly GraphLayoutJsonContext s_context = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });

    /// <summary>The request as JSON.</summary>
    public static string Serialize(LayoutRequest request) => JsonSerializer.Serialize(request, s_context.LayoutRequest);

    /// <summary>The layout as JSON.</summary>
    public static string Serialize(GraphLayout layout) => JsonSerializer.Serialize(layout, s_context.GraphLayout);

    /// <summary>Reads a request.</summary>
    /// <exception cref="JsonException">The text is not a layout request.</exception>
    public static LayoutRequest DeserializeRequest(string json) =>
        JsonSerializer.Deserialize(json, s_context.LayoutRequest) ?? throw new JsonException("no layout request");

    /// <summary>Reads the layout of <paramref name="request"/> and checks that it places every box and routes every edge with finite numbers.</summary>
    /// <exception cref="GraphLayoutException">The text is not a layout of this request.</exception>
    public static GraphLayout DeserializeLayout(string json, LayoutRequest request)
    {
        GraphLayout? layout;
        try
        {
            layout = JsonSerializer.Deserialize(json, s_context.GraphLayout);
        }
        catch (JsonException e)
        {
            throw new GraphLayoutException($"the layout is not JSON of a graph layout: {e.Message}", e);
        }
        if (layout is null || layout.Nodes.IsDefault || layout.Edges.IsDefault)
        {
            throw new GraphLayoutException("the layout is empty");
        }
        Check(layout, request);
        return layout;
    }

    /// <summary>Checks that <paramref name="layout"/> answers <paramref name="request"/>: every box placed once, every edge routed, every number finite.</summary>
    /// <exception cref="GraphLayoutException">It does not.</exception>
    public static void Check(GraphLayout layout, LayoutRequest request)
    {
        HashSet<string> wanted = request.Nodes.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        if (layout.Nodes.Length != wanted.Count || !layout.Nodes.All(n => wanted.Contains(n.Id)) || layout.Nodes.Select(n => n.Id).Distinct().Count() != wanted.Count)
        {
            throw new GraphLayoutException($"the layout places {layout.Nodes.Length} boxes, not the {wanted.Count} asked for");
        }
        if (layout.Edges.Length != request.Edges.Length)
        {
            throw new GraphLayoutException($"the layout routes {layout.Edges.Length} edges, not the {request.Edges.Length} asked for");
        }
        bool finite = Finite(layout.Width) && Finite(layout.Height)
            && layout.Nodes.All(n => Finite(n.X) && Finite(n.Y))
            && layout.Edges.All(e => !e.Pieces.IsDefault && Finite(e.Start) && Finite(e.Tip) && (e.Label is null || Finite(e.Label))
                && e.Pieces.All(p => p is not null && Finite(p.End) && (p.Control1 is null) == (p.Control2 is null) && (p.Control1 is null || (Finite(p.Control1) && Finite(p.Control2!)))));
        if (!finite)
        {
            throw new GraphLayoutException("the layout holds a missing or non-finite coordinate");
        }
    }

    private static bool Finite(double v) => double.IsFinite(v);

    private static bool Finite(LayoutPoint? p) => p is not null && Finite(p.X) && Finite(p.Y);
}
