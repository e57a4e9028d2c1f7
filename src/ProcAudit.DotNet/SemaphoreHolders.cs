using System.Collections.Immutable;
using Microsoft.Diagnostics.Runtime;

namespace ProcAudit.DotNet;

/// <summary>
/// Semaphores with waiting flows, and the flows inferred to hold them. The runtime keeps no record of who holds
/// a <c>SemaphoreSlim</c>, so a holder is inferred by field reference: a frame whose state machine refers to the
/// semaphore (a field, or a field of <c>this</c>), in a flow that awaits something else, that is not an outer frame
/// of a flow waiting on the semaphore (those only pass it down). Measured in the research: right for ABBA and for
/// a channel producer; wrong for a class holding two semaphores, where every method reaches both through
/// <c>this</c>. The IL-based inference that was exact there is not built yet.
/// </summary>
internal static class SemaphoreHolders
{
    private const string ThisField = "<>4__this";

    public static ImmutableArray<AsyncSemaphore> Describe(AsyncHeapIndex index, Dictionary<ulong, List<ulong>> queues, List<AsyncFlow> flows)
    {
        List<AsyncSemaphore> result = new List<AsyncSemaphore>();
        Dictionary<ulong, List<(ulong Address, string Path)>> referencesOfFrame = new Dictionary<ulong, List<(ulong Address, string Path)>>();
        foreach (ClrObject semaphore in index.Semaphores.OrderBy(static s => s.Address))
        {
            List<AsyncFlow> waiters = flows.Where(flow => flow.Await.SemaphoreAddress == semaphore.Address).ToList();
            if (waiters.Count == 0)
            {
                continue;
            }

            List<ulong> queue = queues.TryGetValue(semaphore.Address, out List<ulong>? q) ? q : new List<ulong>();
            waiters.Sort((a, b) => queue.IndexOf(a.Await.Address).CompareTo(queue.IndexOf(b.Await.Address)));
            HashSet<ulong> waiterFrames = waiters.SelectMany(static flow => flow.Frames.Select(static frame => frame.Address)).ToHashSet();
            List<AsyncSemaphoreHolder> holders = new List<AsyncSemaphoreHolder>();
            foreach (AsyncFlow flow in flows)
            {
                if (flow.Await.SemaphoreAddress == semaphore.Address)
                {
                    continue;
                }

                foreach (AsyncFrame frame in flow.Frames.Reverse())
                {
                    if (frame.AwaitState is null || waiterFrames.Contains(frame.Address))
                    {
                        continue;
                    }

                    List<(ulong Address, string Path)> references = referencesOfFrame.TryGetValue(frame.Address, out var known)
                        ? known
                        : referencesOfFrame[frame.Address] = References(index, frame.Address);
                    string? path = references.FirstOrDefault(r => r.Address == semaphore.Address).Path;
                    if (path is not null)
                    {
                        holders.Add(new AsyncSemaphoreHolder
                        {
                            FlowId = flow.Id,
                            Method = frame.Method,
                            Evidence = $"field reference: {frame.Method} refers to the semaphore through {path} and its flow awaits {flow.Await.Kind}, not this semaphore (a heuristic, not a record of the runtime)",
                        });
                        break;
                    }
                }
            }

            FieldReader reader = new FieldReader(semaphore);
            int max = reader.Read<int>("m_maxCount");
            int waitCount = reader.Read<int>("m_waitCount");
            result.Add(new AsyncSemaphore
            {
                Address = semaphore.Address,
                CurrentCount = reader.Read<int>("m_currentCount"),
                MaxCount = max == int.MaxValue ? null : max,
                WaiterFlowIds = waiters.Select(static flow => flow.Id).ToImmutableArray(),
                SyncWaiters = waitCount,
                Holders = holders.ToImmutableArray(),
            });
        }

        return result.ToImmutableArray();
    }

    /// <summary>The objects a frame's state machine refers to, directly or through <c>this</c>, with the field path.</summary>
    public static List<(ulong Address, string Path)> References(AsyncHeapIndex index, ulong box)
    {
        List<(ulong Address, string Path)> references = new List<(ulong Address, string Path)>();
        ClrObject boxObject = index.PendingTasks.TryGetValue(box, out ClrObject task) ? task : index.PooledBoxes.GetValueOrDefault(box);
        if (boxObject.IsNull)
        {
            return references;
        }

        foreach ((string name, ClrObject value) in StateMachines.Of(boxObject).ObjectFields())
        {
            references.Add((value.Address, name));
            if (name == ThisField)
            {
                references.AddRange(new FieldReader(value).ObjectFields().Select(field => (field.Value.Address, "this." + field.Name)));
            }
        }

        return references;
    }
}
