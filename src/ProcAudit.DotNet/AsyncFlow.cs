using System.Collections.Immutable;

namespace ProcAudit.DotNet;

/// <summary>One pending async flow ("async stack"): the chain of suspended methods from the outermost caller to the innermost await.</summary>
public sealed record AsyncFlow
{
    /// <summary>The innermost frame's address: a flow's identity within one read, and across reads while nothing moves it.</summary>
    public required ulong Id { get; init; }

    /// <summary>Outermost first, innermost last; combinators (WhenAll, Unwrap) appear between the methods they join.</summary>
    public required ImmutableArray<AsyncFrame> Frames { get; init; }

    /// <summary>What the innermost frame awaits.</summary>
    public required AsyncAwait Await { get; init; }

    /// <summary>Threads blocked synchronously on a task of this flow (sync-over-async); empty when none.</summary>
    public ImmutableArray<AsyncBlockedThread> BlockedThreads { get; init; } = ImmutableArray<AsyncBlockedThread>.Empty;

    /// <summary>Whether the flow kept still since an earlier read (<see cref="AsyncFlowCapture.CaptureTwice"/>).</summary>
    public FlowMotion Motion { get; init; }

    /// <summary>The innermost frame (the last of <see cref="Frames"/>).</summary>
    public AsyncFrame Innermost => Frames[^1];
}
