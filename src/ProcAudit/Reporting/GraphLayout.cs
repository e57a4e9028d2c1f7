using System.Collections.Immutable;

namespace ProcAudit.Reporting;

/// <summary>
/// A graph to lay out: boxes of given sizes and the edges between them. It carries no text from the
/// audited tree (ids are generated, labels are only sizes), so the layout engine never sees a name.
/// </summary>
/// <param name="Nodes">Each box, in the picture's order.</param>
/// <param name="Edges">Each edge, in the picture's order.</param>
public sealed record LayoutRequest(ImmutableArray<LayoutBox> Nodes, ImmutableArray<LayoutLink> Edges);

/// <summary>A box to place.</summary>
/// <param name="Id">The picture's node id (<c>n1</c>, <c>n2</c>, ...).</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public sealed record LayoutBox(string Id, double Width, double Height);

/// <summary>An edge to route.</summary>
/// <param name="From">A box id.</param>
/// <param name="To">A box id.</param>
/// <param name="LabelWidth">Width of its label in pixels (0: no label).</param>
/// <param name="LabelHeight">Height of its label in pixels.</param>
public sealed record LayoutLink(string From, string To, double LabelWidth, double LabelHeight);

/// <summary>A point of the laid-out picture, in pixels, y downwards from the top left corner.</summary>
/// <param name="X">Pixels from the left edge.</param>
/// <param name="Y">Pixels from the top edge.</param>
public sealed record LayoutPoint(double X, double Y);

/// <summary>
/// The graph laid out: where each box goes and the curve of each edge, in the request's order, in
/// pixels, y downwards, everything inside <see cref="Width"/> by <see cref="Height"/>.
/// </summary>
/// <param name="Width">The width of the whole picture.</param>
/// <param name="Height">The height of the whole picture.</param>
/// <param name="Nodes">The top left corner of each box, by id.</param>
/// <param name="Edges">The route of each edge, in the request's order.</param>
public sealed record GraphLayout(double Width, double Height, ImmutableArray<PlacedBox> Nodes, ImmutableArray<RoutedEdge> Edges);

/// <summary>Where a box goes.</summary>
/// <param name="Id">The box's id.</param>
/// <param name="X">Its left edge.</param>
/// <param name="Y">Its top edge.</param>
public sealed record PlacedBox(string Id, double X, double Y);

/// <summary>One edge's route: a curve from <paramref name="Start"/> through <paramref name="Pieces"/>, then the arrowhead to <paramref name="Tip"/>.</summary>
/// <param name="Start">Where the curve leaves the source box.</param>
/// <param name="Pieces">Straight lines and cubic Bézier pieces, each from where the last ended.</param>
/// <param name="Tip">The arrowhead's tip, on the target box; the arrowhead runs from the curve's end to here.</param>
/// <param name="Label">The centre of the edge's label, when it has one.</param>
public sealed record RoutedEdge(LayoutPoint Start, ImmutableArray<CurvePiece> Pieces, LayoutPoint Tip, LayoutPoint? Label);

/// <summary>A piece of an edge's curve: a straight line to <paramref name="End"/>, or a cubic Bézier when both control points are set.</summary>
/// <param name="End">Where the piece ends.</param>
/// <param name="Control1">The first control point of a Bézier piece.</param>
/// <param name="Control2">The second control point of a Bézier piece.</param>
public sealed record CurvePiece(LayoutPoint End, LayoutPoint? Control1 = null, LayoutPoint? Control2 = null);

/// <summary>Lays out a graph: a real layout engine (MSAGL), in this process or in another.</summary>
public interface IGraphLayout
{
    /// <summary>Places the boxes and routes the edges.</summary>
    /// <exception cref="GraphLayoutException">The graph could not be laid out; the message says why.</exception>
    GraphLayout Layout(LayoutRequest request, CancellationToken cancellationToken);
}

/// <summary>A layout that failed: the report goes on without the picture and says why.</summary>
public sealed class GraphLayoutException : Exception
{
    /// <summary>A failure with its reason.</summary>
    public GraphLayoutException(string message)
        : base(message)
    {
    }

    /// <summary>A failure with its reason and cause.</summary>
    public GraphLayoutException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
