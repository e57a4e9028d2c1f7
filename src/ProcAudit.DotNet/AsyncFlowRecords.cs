using System.Collections.Immutable;
using System.Globalization;

namespace ProcAudit.DotNet;

/// <summary>The async flows read from the heap, as the snapshot records them (ids that join the report's objects).</summary>
internal static class AsyncFlowRecords
{
    public static ImmutableArray<AsyncFlowInfo> Flows(int pid, AsyncFlows read) =>
        read.Flows.Select(f => new AsyncFlowInfo
        {
            Id = FlowId(pid, f.Id),
            Frames = f.Frames.Select(x => x.AwaitState is int state ? $"{x.Method}@{state.ToString(CultureInfo.InvariantCulture)}" : x.Method).ToImmutableArray(),
            FrameSites = f.Frames.Any(x => x.Site is not null) ? f.Frames.Select(x => x.Site).ToImmutableArray() : ImmutableArray<string?>.Empty,
            Awaits = Kind(f.Await.Kind),
            WaitsOn = f.Await.ContextAddress is ulong x ? ObjectId("synccontext", pid, x)
                : f.Await.SemaphoreAddress is ulong s ? ObjectId("semaphore", pid, s)
                : f.Await.PromiseSourceAddress is ulong p ? ObjectId("promise", pid, p)
                : f.Await.ChannelAddress is ulong c ? ObjectId("channel", pid, c)
                : null,
            Fd = f.Await.Fd,
            Operation = f.Await.SocketOperation,
            BlockedThreads = f.BlockedThreads.Select(t => t.OsThreadId).OfType<int>().ToImmutableArray(),
            Moved = f.Motion == FlowMotion.Moved,
            ChannelCapacity = Channel(read, f)?.Capacity,
            ChannelCount = Channel(read, f)?.Count,
            ChannelReaders = f.Await.Kind == AsyncAwaitKind.ChannelWrite
                ? Channel(read, f)?.Readers.Select(r => new AsyncHolder(FlowId(pid, r.FlowId), r.Evidence)).ToImmutableArray() ?? ImmutableArray<AsyncHolder>.Empty
                : ImmutableArray<AsyncHolder>.Empty,
            ContextType = Context(read, f)?.TypeName,
            ContextThreads = Context(read, f)?.OwnerThreads ?? ImmutableArray<int>.Empty,
        }).ToImmutableArray();

    private static AsyncChannel? Channel(AsyncFlows read, AsyncFlow flow) =>
        flow.Await.ChannelAddress is ulong address ? read.Channels.FirstOrDefault(x => x.Address == address) : null;

    private static AsyncSyncContext? Context(AsyncFlows read, AsyncFlow flow) =>
        flow.Await.ContextAddress is ulong address ? read.SyncContexts.FirstOrDefault(x => x.Address == address) : null;

    public static ImmutableArray<AsyncLockInfo> Locks(int pid, AsyncFlows read) =>
        read.Semaphores.Select(s => new AsyncLockInfo
        {
            Id = ObjectId("semaphore", pid, s.Address),
            CurrentCount = s.CurrentCount,
            MaxCount = s.MaxCount,
            Waiters = s.WaiterFlowIds.Select(id => FlowId(pid, id)).ToImmutableArray(),
            Holders = s.Holders.Select(h => new AsyncHolder(FlowId(pid, h.FlowId), h.Evidence)).ToImmutableArray(),
        }).ToImmutableArray();

    public static ThreadPoolInfo? Pool(AsyncFlows read) =>
        read.ThreadPool is not AsyncThreadPool p ? null : new ThreadPoolInfo
        {
            MaxWorkers = p.MaxWorkers,
            MinWorkers = p.MinWorkers,
            Workers = p.Workers,
            Processing = p.Processing,
            Blocked = p.Blocked,
            Queued = p.Queued,
            QueuedWork = p.QueuedWork.Select(w => $"{w.Count.ToString(CultureInfo.InvariantCulture)} x {w.What}").ToImmutableArray(),
            Moved = p.Motion == FlowMotion.Moved,
        };

    private static string FlowId(int pid, ulong address) => ObjectId("flow", pid, address);

    private static string ObjectId(string kind, int pid, ulong address) =>
        $"{kind}:{pid.ToString(CultureInfo.InvariantCulture)}:0x{address.ToString("x", CultureInfo.InvariantCulture)}";

    internal static string Kind(AsyncAwaitKind kind) => kind switch
    {
        AsyncAwaitKind.Semaphore => "semaphore",
        AsyncAwaitKind.Promise => "promise",
        AsyncAwaitKind.ChannelWrite => "channel-write",
        AsyncAwaitKind.ChannelRead => "channel-read",
        AsyncAwaitKind.Socket => "socket",
        AsyncAwaitKind.Delay => "delay",
        AsyncAwaitKind.WhenAll => "when-all",
        AsyncAwaitKind.WhenAny => "when-any",
        AsyncAwaitKind.ThreadPool => "thread-pool",
        AsyncAwaitKind.SyncContext => "sync-context",
        AsyncAwaitKind.Running => "running",
        AsyncAwaitKind.Other => "other",
        _ => "unknown",
    };
}
