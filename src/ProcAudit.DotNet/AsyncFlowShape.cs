using System.Collections.Immutable;

namespace ProcAudit.DotNet;

/// <summary>Flows with the same methods awaiting the same kind of thing, folded into one line (like <c>dumpasync --coalesce</c>).</summary>
public sealed record AsyncFlowShape
{
    /// <summary>The methods, outermost first.</summary>
    public required ImmutableArray<string> Methods { get; init; }

    /// <summary>What the innermost frame awaits.</summary>
    public required AsyncAwaitKind AwaitKind { get; init; }

    /// <summary>How many flows have this shape (all of them, including those left out of <see cref="AsyncFlows.Flows"/>).</summary>
    public required int Count { get; init; }
}
