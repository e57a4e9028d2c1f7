using System.Collections.Immutable;
using Microsoft.Msagl.Core;
using Microsoft.Msagl.Core.Geometry;
using Microsoft.Msagl.Core.Geometry.Curves;
using Microsoft.Msagl.Core.Layout;
using Microsoft.Msagl.Layout.Layered;
using Microsoft.Msagl.Miscellaneous;
using ProcAudit.Reporting;

namespace ProcAudit.Layout;

/// <summary>
/// Lays out the wait graph with MSAGL's layered (Sugiyama) layout, left to right, edges routed as
/// splines around the boxes with their labels placed beside them, in this process. Used by the
/// tool's JIT-compiled copy (the hidden graph-layout verb) and by tests; front ends call it through
/// <c>OutOfProcessGraphLayout</c>.
/// </summary>
public sealed class MsaglGraphLayout : IGraphLayout
{
    private const double Margin = 12;
    private const double ArrowLength = 9;

    /// <inheritdoc />
    public GraphLayout Layout(LayoutRequest request, CancellationToken cancellationToken)
    {
        GeometryGraph graph = new();
        Dictionary<string, Node> nodes = new(StringComparer.Ordinal);
        foreach (LayoutBox box in request.Nodes)
        {
            Node node = new(CurveFactory.CreateRectangle(Math.Max(box.Width, 1), Math.Max(box.Height, 1), new Point()), box.Id);
            nodes.Add(box.Id, node);
            graph.Nodes.Add(node);
        }
        List<Edge> edges = new();
        foreach (LayoutLink link in request.Edges)
        {
            if (!nodes.TryGetValue(link.From, out Node? from) || !nodes.TryGetValue(link.To, out Node? to))
            {
                throw new GraphLayoutException($"an edge joins {link.From} and {link.To}, and one of them is not a box of the graph");
            }
            Edge edge = new(from, to);
            if (link.LabelWidth > 0 && link.LabelHeight > 0)
            {
                edge.Label = new Label(link.LabelWidth, link.LabelHeight, edge);
            }
            edge.EdgeGeometry.TargetArrowhead = new Arrowhead { Length = ArrowLength };
            edges.Add(edge);
            graph.Edges.Add(edge);
        }
        SugiyamaLayoutSettings settings = new()
        {
            NodeSeparation = 18,
            LayerSeparation = 36,
        };
        CancelToken cancel = new();
        using (cancellationToken.Register(() => cancel.Canceled = true))
        {
            try
            {
                LayoutHelpers.CalculateLayout(graph, settings, cancel);
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception e)
            {
                // MSAGL's own failures (a routing that finds no way around a box, an internal assertion).
                cancellationToken.ThrowIfCancellationRequested();
                throw new GraphLayoutException($"MSAGL could not lay out the graph ({e.GetType().Name}: {e.Message})", e);
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        return Placed(request, nodes, edges);
    }

    /// <summary>MSAGL's coordinates (y upwards, anywhere) turned into the picture's: y downwards, from a margin at the top left.</summary>
    private static GraphLayout Placed(LayoutRequest request, Dictionary<string, Node> nodes, List<Edge> edges)
    {
        Rectangle bounds = Rectangle.CreateAnEmptyBox();
        foreach (Node n in nodes.Values)
        {
            bounds.Add(n.BoundingBox);
        }
        foreach (Edge e in edges)
        {
            if (e.Curve is not null)
            {
                bounds.Add(e.Curve.BoundingBox);
            }
            if (e.EdgeGeometry.TargetArrowhead is { } head)
            {
                bounds.Add(head.TipPosition);
            }
            if (e.Label is { } label)
            {
                bounds.Add(label.BoundingBox);
            }
        }
        double left = bounds.Left;
        double top = bounds.Top;
        LayoutPoint Map(Point p) => new(p.X - left + Margin, top - p.Y + Margin);

        ImmutableArray<PlacedBox> boxes = request.Nodes
            .Select(b => nodes[b.Id].BoundingBox)
            .Zip(request.Nodes, (box, b) => new PlacedBox(b.Id, box.Left - left + Margin, top - box.Top + Margin))
            .ToImmutableArray();
        ImmutableArray<RoutedEdge> routes = edges.Select(e => Route(e, Map)).ToImmutableArray();
        return new GraphLayout(bounds.Width + 2 * Margin, bounds.Height + 2 * Margin, boxes, routes);
    }

    private static RoutedEdge Route(Edge e, Func<Point, LayoutPoint> map)
    {
        // A failed routing leaves no curve: a straight line between the centres still says who waits for whom.
        ICurve curve = e.Curve ?? new LineSegment(e.Source.Center, e.Target.Center);
        List<CurvePiece> pieces = new();
        AddPieces(curve, pieces, map);
        Point tip = e.EdgeGeometry.TargetArrowhead is { } head && e.Curve is not null ? head.TipPosition : curve.End;
        LayoutPoint? label = e.Label is { } l ? map(l.Center) : null;
        return new RoutedEdge(map(curve.Start), pieces.ToImmutableArray(), map(tip), label);
    }

    private static void AddPieces(ICurve curve, List<CurvePiece> pieces, Func<Point, LayoutPoint> map)
    {
        switch (curve)
        {
            case Curve c:
                foreach (ICurve segment in c.Segments)
                {
                    AddPieces(segment, pieces, map);
                }
                break;
            case LineSegment line:
                pieces.Add(new CurvePiece(map(line.End)));
                break;
            case CubicBezierSegment bezier:
                pieces.Add(new CurvePiece(map(bezier.B(3)), map(bezier.B(1)), map(bezier.B(2))));
                break;
            default:
                // Arcs and polylines: followed closely enough by short lines.
                const int Steps = 16;
                for (int i = 1; i <= Steps; i++)
                {
                    pieces.Add(new CurvePiece(map(curve[curve.ParStart + (curve.ParEnd - curve.ParStart) * i / Steps])));
                }
                break;
        }
    }
}
