using System.Collections.Immutable;
using Microsoft.Diagnostics.Runtime;

namespace ProcAudit.DotNet;

/// <summary>Names what an innermost frame awaits, from the awaited object's type and the indexes of the heap walk.</summary>
internal sealed class AwaitClassifier
{
    /// <summary>TaskCreationOptions-internal flag of a promise task (one only its source completes).</summary>
    private const int PromiseTaskFlag = 0x400;

    private static readonly string[] s_socketOperations =
    [
        "None", "Accept", "Connect", "Disconnect", "Receive", "ReceiveFrom", "ReceiveMessageFrom", "Send", "SendPackets", "SendTo",
    ];

    private readonly AsyncHeapIndex _index;
    private readonly IReadOnlyDictionary<ulong, ulong> _semaphoreOfNode;
    private readonly IReadOnlyDictionary<ulong, (ulong Channel, bool Write)> _channelOfOperation;

    public AwaitClassifier(AsyncHeapIndex index, IReadOnlyDictionary<ulong, ulong> semaphoreOfNode, IReadOnlyDictionary<ulong, (ulong Channel, bool Write)> channelOfOperation)
    {
        _index = index;
        _semaphoreOfNode = semaphoreOfNode;
        _channelOfOperation = channelOfOperation;
    }

    /// <summary>What <paramref name="awaited"/> is; <paramref name="children"/> are the pending tasks that resume it (for combinators).</summary>
    public AsyncAwait Classify(ClrObject awaited, short token, int state, ImmutableArray<ulong> children)
    {
        if (awaited.IsNull)
        {
            return new AsyncAwait { Kind = state == -1 ? AsyncAwaitKind.Running : AsyncAwaitKind.Unknown };
        }

        ulong address = awaited.Address;
        string name = awaited.Type?.Name ?? "?";
        AsyncAwait await = new AsyncAwait { Kind = AsyncAwaitKind.Other, Address = address, Token = token, TypeName = name };
        if (_semaphoreOfNode.TryGetValue(address, out ulong semaphore))
        {
            return await with { Kind = AsyncAwaitKind.Semaphore, SemaphoreAddress = semaphore };
        }

        if (_channelOfOperation.TryGetValue(address, out (ulong Channel, bool Write) channel))
        {
            return await with { Kind = channel.Write ? AsyncAwaitKind.ChannelWrite : AsyncAwaitKind.ChannelRead, ChannelAddress = channel.Channel };
        }

        if (_index.SourceOfPromise.TryGetValue(address, out ulong source))
        {
            return await with { Kind = AsyncAwaitKind.Promise, PromiseSourceAddress = source };
        }

        if (name.Contains("DelayPromise", StringComparison.Ordinal))
        {
            return await with { Kind = AsyncAwaitKind.Delay };
        }

        if (name.Contains("WhenAllPromise", StringComparison.Ordinal))
        {
            return await with { Kind = AsyncAwaitKind.WhenAll, Children = children };
        }

        if (name.Contains("WhenAnyPromise", StringComparison.Ordinal) || name.Contains("CompleteOnInvokePromise", StringComparison.Ordinal))
        {
            return await with { Kind = AsyncAwaitKind.WhenAny, Children = children };
        }

        if (name.StartsWith("System.Net.Sockets.Socket+AwaitableSocketAsyncEventArgs", StringComparison.Ordinal))
        {
            return Socket(await, awaited);
        }

        if (name.Contains("+ValueTaskSourceAsTask", StringComparison.Ordinal))
        {
            ClrObject inner = new FieldReader(awaited).Object("_source");
            if (!inner.IsNull && inner.Address != address)
            {
                return Classify(inner, token, state, children);
            }
        }

        if (name.StartsWith("System.Threading.Tasks.Task", StringComparison.Ordinal)
            && (new FieldReader(awaited).Read<int>("m_stateFlags") & PromiseTaskFlag) != 0)
        {
            // A promise task with no source object found: still only its owner can complete it.
            return await with { Kind = AsyncAwaitKind.Promise };
        }

        return await;
    }

    private static AsyncAwait Socket(AsyncAwait await, ClrObject args)
    {
        FieldReader reader = new FieldReader(args);
        ClrObject socket = reader.Object("_owner");
        if (socket.IsNull)
        {
            socket = reader.Object("_currentSocket");
        }

        int? fd = null;
        FieldReader handle = new FieldReader(socket).Nested("_handle");
        if (!handle.IsNull)
        {
            long raw = handle.Read<long>("handle");
            fd = raw is >= 0 and <= int.MaxValue ? (int)raw : null;
        }

        int operation = reader.Read<int>("_completedOperation");
        string? name = operation > 0 && operation < s_socketOperations.Length ? s_socketOperations[operation] : null;
        return await with { Kind = AsyncAwaitKind.Socket, Fd = fd, SocketOperation = name };
    }
}
