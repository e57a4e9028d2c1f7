using System.Collections.Immutable;
using Microsoft.Diagnostics.Runtime;

namespace ProcAudit.DotNet;

/// <summary>
/// Rebuilds the pending async flows from one walk of the heap (the idea of SOS's dumpasync, own code): every
/// suspended state machine box is a frame, linked outward by the continuation its awaited task resumes and inward
/// by the awaiter it is suspended on; a flow runs from a frame nothing else waits for down to one that awaits no
/// other frame.
/// </summary>
internal static class AsyncFlowReader
{
    private const int MaxDepth = 256;

    public static AsyncFlows Read(int pid, ClrRuntime runtime, int maxPending, int maxListed, long walkDeadline, CancellationToken ct)
    {
        List<string> notes = new List<string>();
        ClrHeap heap = runtime.Heap;
        if (!heap.CanWalkHeap)
        {
            return Unwalkable(pid, "before");
        }

        AsyncHeapIndex index = AsyncHeapIndex.Build(heap, maxPending, walkDeadline, ct);
        // Read the GC's state afresh, not from the chunks cached at the start of the walk.
        (runtime.DataTarget.DataReader as ChunkCachingReader)?.ForgetChunks();
        if (!heap.CanWalkHeap)
        {
            // A GC started during the walk: what was read may mix two heaps, and a wrong chain is worse than none.
            return Unwalkable(pid, "during");
        }

        if (index.Truncated)
        {
            notes.Add($"The heap holds more than {maxPending:N0} pending tasks: the walk stopped there, so some flows are missing or cut short.");
        }

        if (index.StoppedAtDeadline)
        {
            notes.Add(
                $"The walk of the heap stopped at its deadline after {index.ObjectsWalked:N0} objects, with {index.PendingTasks.Count + index.PooledBoxes.Count:N0} pending tasks found: the flows beyond were not read, so some are missing or cut short; a larger budget reads them all.");
        }

        Dictionary<ulong, ClrObject> nodes = Nodes(index);
        Dictionary<ulong, List<ulong>> semaphoreQueues = AsyncWaitLists.SemaphoreQueues(index.Semaphores);
        Dictionary<ulong, ulong> semaphoreOfNode = semaphoreQueues
            .SelectMany(static queue => queue.Value.Select(node => (Node: node, Semaphore: queue.Key)))
            .ToDictionary(static pair => pair.Node, static pair => pair.Semaphore);
        Dictionary<ulong, (ulong Channel, bool Write)> channelOfOperation = AsyncWaitLists.ChannelOperations(index.Channels);

        FlowGraph graph = FlowGraph.Build(index, nodes, ct);
        GuardedHeap guarded = new GuardedHeap(runtime, index.Types);
        AsyncThreadPool? pool = ThreadPoolReader.Read(runtime, guarded);
        HashSet<ulong> queued = pool?.QueuedAddresses.ToHashSet() ?? new HashSet<ulong>();
        AwaitClassifier classifier = new AwaitClassifier(index, semaphoreOfNode, channelOfOperation);
        Dictionary<ulong, (int? Os, int Managed)> eventThreads = graph.Events.Count > 0
            ? BlockedThreads(runtime, graph.Events.Values.SelectMany(static events => events).ToHashSet(), notes)
            : new Dictionary<ulong, (int? Os, int Managed)>();

        List<AsyncFlow> flows = new List<AsyncFlow>();
        foreach (ulong innermost in nodes.Keys.Where(node => !graph.HasInner.Contains(node)).Order())
        {
            ct.ThrowIfCancellationRequested();
            flows.Add(BuildFlow(innermost, nodes, graph, classifier, eventThreads, queued));
        }

        ImmutableArray<AsyncFlowShape> shapes = flows
            .GroupBy(static flow => (Methods: string.Join('\n', flow.Frames.Select(static frame => frame.Method)), flow.Await.Kind))
            .Select(static group => new AsyncFlowShape
            {
                Methods = group.First().Frames.Select(static frame => frame.Method).ToImmutableArray(),
                AwaitKind = group.Key.Kind,
                Count = group.Count(),
            })
            .OrderByDescending(static shape => shape.Count)
            .ThenBy(static shape => string.Join('\n', shape.Methods), StringComparer.Ordinal)
            .ToImmutableArray();

        ImmutableArray<AsyncSyncContext> contexts = SyncContexts.Read(runtime, index, guarded, flows.Select(static f => f.Id).ToList(), ct);
        Dictionary<ulong, AsyncSyncContext> postedTo = contexts
            .SelectMany(static c => c.PostedFlowIds.Select(id => (Id: id, Context: c)))
            .GroupBy(static p => p.Id)
            .ToDictionary(static g => g.Key, static g => g.First().Context);
        for (int i = 0; i < flows.Count; i++)
        {
            if (postedTo.TryGetValue(flows[i].Id, out AsyncSyncContext? context))
            {
                // What it awaited is done: the rest of the method waits in the context's queue for the context's thread.
                flows[i] = flows[i] with
                {
                    Await = new AsyncAwait { Kind = AsyncAwaitKind.SyncContext, Address = flows[i].Id, TypeName = context.TypeName, ContextAddress = context.Address },
                };
            }
        }

        List<AsyncFlow> listed = flows.Take(maxListed).ToList();
        if (flows.Count > maxListed)
        {
            notes.Add($"{flows.Count:N0} flows were found; the first {maxListed:N0} by address are listed, and every flow is counted in the shapes.");
        }

        ImmutableArray<AsyncSemaphore> semaphores = SemaphoreHolders.Describe(index, semaphoreQueues, listed);
        ImmutableArray<AsyncChannel> channels = Channels(index, channelOfOperation, listed);
        return new AsyncFlows
        {
            Pid = pid,
            Status = CaptureStatus.Captured,
            Flows = listed.ToImmutableArray(),
            TotalFlows = flows.Count,
            Shapes = shapes,
            Semaphores = semaphores,
            Channels = channels,
            ThreadPool = pool,
            SyncContexts = contexts,
            PendingTasks = index.PendingTasks.Count + index.PooledBoxes.Count,
            Notes = notes.ToImmutableArray(),
        };
    }

    /// <summary>Frames and combinators: the boxes, and the pending tasks that only join others (WhenAll, Unwrap, ContinueWith).</summary>
    private static Dictionary<ulong, ClrObject> Nodes(AsyncHeapIndex index)
    {
        Dictionary<ulong, ClrObject> nodes = new Dictionary<ulong, ClrObject>(index.PooledBoxes);
        foreach ((ulong address, ClrObject task) in index.PendingTasks)
        {
            string name = task.Type?.Name ?? string.Empty;
            if (StateMachines.IsBox(name) || CombinatorName(name) is not null)
            {
                nodes[address] = task;
            }
        }

        return nodes;
    }

    private static string? CombinatorName(string typeName)
    {
        return typeName switch
        {
            _ when typeName.Contains("WhenAllPromise", StringComparison.Ordinal) => "System.Threading.Tasks.Task.WhenAll",
            _ when typeName.Contains("WhenAnyPromise", StringComparison.Ordinal) || typeName.Contains("CompleteOnInvokePromise", StringComparison.Ordinal) => "System.Threading.Tasks.Task.WhenAny",
            _ when typeName.Contains("UnwrapPromise", StringComparison.Ordinal) => "System.Threading.Tasks.Task.Unwrap",
            _ when typeName.Contains("ContinuationTaskFrom", StringComparison.Ordinal) || typeName.Contains("ContinuationResultTaskFrom", StringComparison.Ordinal) => "System.Threading.Tasks.Task.ContinueWith",
            _ => null,
        };
    }

    private static AsyncFlow BuildFlow(
        ulong innermost,
        Dictionary<ulong, ClrObject> nodes,
        FlowGraph graph,
        AwaitClassifier classifier,
        Dictionary<ulong, (int? Os, int Managed)> eventThreads,
        HashSet<ulong> queued)
    {
        List<AsyncFrame> frames = new List<AsyncFrame>();
        List<AsyncBlockedThread> blocked = new List<AsyncBlockedThread>();
        HashSet<ulong> visited = new HashSet<ulong>();
        ulong current = innermost;
        while (frames.Count < MaxDepth && visited.Add(current) && nodes.TryGetValue(current, out ClrObject node))
        {
            frames.Add(Frame(node));
            if (graph.Events.TryGetValue(current, out List<ulong>? events))
            {
                foreach (ulong mres in events)
                {
                    (int? os, int managed) = eventThreads.TryGetValue(mres, out (int? Os, int Managed) thread) ? thread : (null, 0);
                    blocked.Add(new AsyncBlockedThread { TaskAddress = current, OsThreadId = os, ManagedThreadId = os is null ? null : managed });
                }
            }

            if (!graph.Outers.TryGetValue(current, out List<ulong>? outers) || outers.Count == 0)
            {
                break;
            }

            current = outers[0];
        }

        frames.Reverse();
        ClrObject inner = nodes[innermost];
        AsyncAwait await;
        if (queued.Contains(innermost))
        {
            // The box is a work item in the pool's queue: whatever it awaited has completed, and it waits for a thread.
            await = new AsyncAwait { Kind = AsyncAwaitKind.ThreadPool, Address = innermost, TypeName = inner.Type?.Name };
        }
        else if (StateMachines.IsBox(inner.Type?.Name))
        {
            (ClrObject awaited, short token, _) = StateMachines.AwaitedObject(StateMachines.Of(inner));
            await = classifier.Classify(awaited, token, frames[^1].AwaitState ?? -1, Children(graph, innermost));
        }
        else
        {
            await = classifier.Classify(inner, 0, -1, Children(graph, innermost));
        }

        return new AsyncFlow { Id = innermost, Frames = frames.ToImmutableArray(), Await = await, BlockedThreads = blocked.ToImmutableArray() };
    }

    private static ImmutableArray<ulong> Children(FlowGraph graph, ulong node)
    {
        return graph.Children.TryGetValue(node, out List<ulong>? children) ? children.Distinct().Order().ToImmutableArray() : ImmutableArray<ulong>.Empty;
    }

    private static AsyncFrame Frame(ClrObject node)
    {
        string typeName = node.Type?.Name ?? "?";
        if (!StateMachines.IsBox(typeName))
        {
            return new AsyncFrame { Method = CombinatorName(typeName) ?? typeName, TypeName = typeName, Address = node.Address };
        }

        string machine = StateMachines.TypeName(typeName);
        FieldReader stateMachine = StateMachines.Of(node);
        if (stateMachine.Type?.Name is string actual && !actual.Contains("__Canon", StringComparison.Ordinal))
        {
            machine = actual;
        }

        int state = StateMachines.State(stateMachine);
        return new AsyncFrame
        {
            Method = StateMachines.MethodName(machine),
            TypeName = machine,
            AwaitState = state,
            Site = AwaitSites.Of(stateMachine.Type, state),
            Address = node.Address,
        };
    }

    /// <summary>The thread whose stack holds each blocked-thread event (the event is a local of <c>Task.SpinThenBlockingWait</c>).</summary>
    private static Dictionary<ulong, (int? Os, int Managed)> BlockedThreads(ClrRuntime runtime, HashSet<ulong> events, List<string> notes)
    {
        Dictionary<ulong, (int? Os, int Managed)> found = new Dictionary<ulong, (int? Os, int Managed)>();
        foreach (ClrThread thread in runtime.Threads)
        {
            if (!thread.IsAlive || thread.OSThreadId == 0)
            {
                continue;
            }

            foreach (ClrStackRoot root in ClrMdLockCapture.Unwind(thread, notes).Roots)
            {
                if (events.Contains(root.Object.Address))
                {
                    found[root.Object.Address] = ((int)thread.OSThreadId, thread.ManagedThreadId);
                }
            }
        }

        return found;
    }

    private static ImmutableArray<AsyncChannel> Channels(AsyncHeapIndex index, Dictionary<ulong, (ulong Channel, bool Write)> operations, List<AsyncFlow> flows)
    {
        List<AsyncChannel> channels = new List<AsyncChannel>();
        foreach (ClrObject channel in index.Channels.OrderBy(static c => c.Address))
        {
            List<AsyncFlow> users = flows.Where(flow => flow.Await.ChannelAddress == channel.Address).ToList();
            if (users.Count == 0)
            {
                continue;
            }

            FieldReader reader = new FieldReader(channel);
            int capacity = reader.Read<int>("_bufferedCapacity");
            int count = reader.Nested("_items").Read<int>("_size");
            ImmutableArray<ulong> writers = users.Where(static f => f.Await.Kind == AsyncAwaitKind.ChannelWrite).Select(static f => f.Id).ToImmutableArray();
            ImmutableArray<ulong> blockedReaders = users.Where(static f => f.Await.Kind == AsyncAwaitKind.ChannelRead).Select(static f => f.Id).ToImmutableArray();
            channels.Add(new AsyncChannel
            {
                Address = channel.Address,
                TypeName = channel.Type?.Name ?? "?",
                Capacity = capacity,
                Count = count,
                BlockedWriterFlowIds = writers,
                BlockedReaderFlowIds = blockedReaders,
                Readers = writers.Length > 0 && blockedReaders.Length == 0 && count >= capacity ? Readers(index, channel, flows) : ImmutableArray<AsyncChannelUser>.Empty,
            });
        }

        return channels.ToImmutableArray();
    }

    /// <summary>
    /// The flows that refer to a channel's reader (or the channel) from a frame's state machine, directly or through
    /// <c>this</c>, and do not wait on the channel: the consumers, busy elsewhere. The innermost such frame names the method.
    /// </summary>
    private static ImmutableArray<AsyncChannelUser> Readers(AsyncHeapIndex index, ClrObject channel, List<AsyncFlow> flows)
    {
        ulong facade = new FieldReader(channel).Object("<Reader>k__BackingField").Address;
        List<AsyncChannelUser> readers = new List<AsyncChannelUser>();
        foreach (AsyncFlow flow in flows.Where(f => f.Await.ChannelAddress != channel.Address))
        {
            foreach (AsyncFrame frame in flow.Frames.Reverse().Where(static f => f.AwaitState is not null))
            {
                (ulong address, string path) = SemaphoreHolders.References(index, frame.Address).FirstOrDefault(r => r.Address != 0 && (r.Address == facade || r.Address == channel.Address));
                if (path is not null)
                {
                    string what = address == facade ? "the channel's Reader" : "the channel";
                    readers.Add(new AsyncChannelUser(flow.Id, frame.Method,
                        $"field reference: {frame.Method} holds {what} in {path} and its flow awaits {flow.Await.Kind}, not the channel (a heuristic, not a record of the runtime)"));
                    break;
                }
            }
        }

        return readers.ToImmutableArray();
    }

    private static AsyncFlows Unwalkable(int pid, string when)
    {
        return new AsyncFlows
        {
            Pid = pid,
            Status = CaptureStatus.Unavailable,
            Notes = [$"The heap of process {pid} could not be walked safely ({when} the walk, a garbage collection was under way): no async flows are reported rather than chains read from a heap that was moving; read again."],
        };
    }
}
