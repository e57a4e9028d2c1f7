namespace ProcAudit.DotNet;

/// <summary>A flow inferred to hold a <c>SemaphoreSlim</c> slot, and what it was inferred from.</summary>
public sealed record AsyncSemaphoreHolder
{
    /// <summary>The holding flow's <see cref="AsyncFlow.Id"/>.</summary>
    public required ulong FlowId { get; init; }

    /// <summary>The frame (method) whose state machine refers to the semaphore.</summary>
    public required string Method { get; init; }

    /// <summary>
    /// How it was inferred, one sentence. Today always the field-reference heuristic: the frame's state machine
    /// refers to the semaphore (a field, or a field of <c>this</c>) while its flow awaits something else and it is
    /// not an outer frame of a flow waiting on it. It is a candidate, not a proof: a method that only has the
    /// semaphore in reach (a class holding two semaphores) looks the same.
    /// </summary>
    public required string Evidence { get; init; }
}
