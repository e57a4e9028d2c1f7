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
}
