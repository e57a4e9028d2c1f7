using System.Collections.Immutable;

namespace ProcAudit.DotNet;

/// <summary>A bounded <c>Channel&lt;T&gt;</c> with flows blocked on it.</summary>
public sealed record AsyncChannel
{
    /// <summary>The channel's address in the target's heap.</summary>
    public required ulong Address { get; init; }

    /// <summary>Its type, e.g. <c>System.Threading.Channels.BoundedChannel&lt;System.Byte[]&gt;</c>.</summary>
    public required string TypeName { get; init; }

    /// <summary>The capacity it was created with.</summary>
    public required int Capacity { get; init; }

    /// <summary>Items buffered now; equal to <see cref="Capacity"/> when full.</summary>
    public required int Count { get; init; }

    /// <summary>Flows blocked in <c>WriteAsync</c> (by <see cref="AsyncFlow.Id"/>), or waiting in <c>WaitToWriteAsync</c>.</summary>
    public ImmutableArray<ulong> BlockedWriterFlowIds { get; init; } = ImmutableArray<ulong>.Empty;

    /// <summary>Flows blocked in <c>ReadAsync</c> or waiting in <c>WaitToReadAsync</c>.</summary>
    public ImmutableArray<ulong> BlockedReaderFlowIds { get; init; } = ImmutableArray<ulong>.Empty;

    /// <summary>
    /// For a full channel with blocked writers: the flows taken as its readers though none waits on it (they are busy
    /// elsewhere), each inferred from a field reference to the channel or its <c>Reader</c>. Empty otherwise.
    /// </summary>
    public ImmutableArray<AsyncChannelUser> Readers { get; init; } = ImmutableArray<AsyncChannelUser>.Empty;
}

/// <summary>A flow taken as a user of a channel (its reader, for a full channel's writers), and why.</summary>
/// <param name="FlowId">The flow's <see cref="AsyncFlow.Id"/>.</param>
/// <param name="Method">The frame whose state machine refers to the channel.</param>
/// <param name="Evidence">How it was inferred, one sentence: a field reference, not a record of the runtime.</param>
public sealed record AsyncChannelUser(ulong FlowId, string Method, string Evidence);
