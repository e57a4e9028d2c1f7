using System.Collections.Immutable;

namespace ProcAudit.DotNet;

/// <summary>What the innermost frame of a flow awaits, classified; only the fields of its kind are set.</summary>
public sealed record AsyncAwait
{
    /// <summary>The kind of wait.</summary>
    public required AsyncAwaitKind Kind { get; init; }

    /// <summary>The awaited task or value-task source (a semaphore's TaskNode, a promise, a channel operation, socket event args); 0 when none.</summary>
    public ulong Address { get; init; }

    /// <summary>The value-task token of a pooled source (0 for tasks): it changes each time the source is reused, so it tells one wait from the next.</summary>
    public short Token { get; init; }

    /// <summary>The awaited object's type; null when there is none.</summary>
    public string? TypeName { get; init; }

    /// <summary>For <see cref="AsyncAwaitKind.Semaphore"/>: the <c>SemaphoreSlim</c>'s address (see <see cref="AsyncFlows.Semaphores"/>).</summary>
    public ulong? SemaphoreAddress { get; init; }

    /// <summary>For <see cref="AsyncAwaitKind.Promise"/>: the <c>TaskCompletionSource</c> whose task it is; null when no source object was found (a bare promise task).</summary>
    public ulong? PromiseSourceAddress { get; init; }

    /// <summary>For channel reads and writes: the channel's address (see <see cref="AsyncFlows.Channels"/>).</summary>
    public ulong? ChannelAddress { get; init; }

    /// <summary>For <see cref="AsyncAwaitKind.Socket"/>: the socket's file descriptor in the target, to join it to the kernel's view.</summary>
    public int? Fd { get; init; }

    /// <summary>For <see cref="AsyncAwaitKind.Socket"/>: the operation under way (Accept, Connect, Send, Receive, ...), when the event args say.</summary>
    public string? SocketOperation { get; init; }

    /// <summary>For <see cref="AsyncAwaitKind.SyncContext"/>: the context it was posted to (see <see cref="AsyncFlows.SyncContexts"/>).</summary>
    public ulong? ContextAddress { get; init; }

    /// <summary>For WhenAll/WhenAny: the addresses of the pending tasks it waits for (a child that is a flow's frame is that flow's <see cref="AsyncFrame.Address"/>).</summary>
    public ImmutableArray<ulong> Children { get; init; } = ImmutableArray<ulong>.Empty;
}
