using System.Collections.Immutable;
using Microsoft.Diagnostics.Runtime;

namespace ProcAudit.DotNet;

/// <summary>
/// Reads the portable thread pool (.NET 6 and later) from the target's statics: its thread counts from
/// <c>PortableThreadPool.ThreadPoolInstance</c> and its queued work from <c>ThreadPool.s_workQueue</c> (the global
/// queues, each a <c>ConcurrentQueue&lt;object&gt;</c>) and <c>ThreadPoolWorkQueue.WorkStealingQueueList.s_queues</c>
/// (each worker's local queue). Field names are .NET 10's; a field another runtime lacks reads as empty, and a
/// pool that cannot be read at all is null, never an exception. The queues change while a healthy program runs, so
/// their slots are read through a <see cref="GuardedHeap"/>.
/// </summary>
internal static class ThreadPoolReader
{
    /// <summary>Queued items kept by address; the rest are counted only.</summary>
    public const int MaxItemsKept = 10_000;

    /// <summary>Queued items named one by one (a delegate's method is looked up in the runtime); the rest are counted as not looked at.</summary>
    public const int MaxItemsNamed = 64;

    private const int MaxSegments = 1_000;

    public static AsyncThreadPool? Read(ClrRuntime runtime, GuardedHeap heap)
    {
        ClrAppDomain? domain = runtime.AppDomains.FirstOrDefault() ?? runtime.SharedDomain ?? runtime.SystemDomain;
        ClrModule? corelib = runtime.BaseClassLibrary;
        if (domain is null || corelib is null)
        {
            return null;
        }

        ClrObject pool = Static(corelib, "System.Threading.PortableThreadPool", "ThreadPoolInstance", domain);
        ClrObject workQueue = Static(corelib, "System.Threading.ThreadPool", "s_workQueue", domain);
        if (pool.IsNull && workQueue.IsNull)
        {
            return null;
        }

        List<ClrObject> items = new List<ClrObject>();
        int queued = 0;
        if (!workQueue.IsNull)
        {
            foreach (string name in new[] { "highPriorityWorkItems", "workItems", "lowPriorityWorkItems" })
            {
                queued += ConcurrentQueueItems(heap, heap.Field(workQueue, name), items);
            }

            ClrObject assignable = heap.Field(workQueue, "_assignableWorkItemQueues");
            for (int i = 0; i < GuardedHeap.Length(assignable); i++)
            {
                queued += ConcurrentQueueItems(heap, heap.At(heap.ElementPointer(assignable, i)), items);
            }
        }

        ClrObject locals = Static(corelib, "System.Threading.ThreadPoolWorkQueue+WorkStealingQueueList", "s_queues", domain);
        for (int i = 0; i < GuardedHeap.Length(locals); i++)
        {
            queued += LocalQueueItems(heap, heap.At(heap.ElementPointer(locals, i)), items);
        }

        FieldReader instance = new FieldReader(pool);
        ulong counts = instance.Nested("_separated").Nested("counts").Read<ulong>("_data");
        int processing = (int)(counts & 0xffff);
        int workers = (int)((counts >> 16) & 0xffff);
        return new AsyncThreadPool
        {
            MinWorkers = pool.IsNull ? null : instance.Read<short>("_minThreads"),
            MaxWorkers = pool.IsNull ? null : instance.Read<short>("_maxThreads"),
            // ThreadCounts packs three shorts: threads processing work, threads that exist, the thread count goal.
            Processing = processing,
            Workers = workers,
            Blocked = pool.IsNull ? null : instance.Read<short>("_numBlockedThreads"),
            Queued = queued,
            QueuedAddresses = items.Select(static item => item.Address).ToImmutableArray(),
            // A delegate's method is looked up in the runtime; only worth it (and only safe) when the pool holds still:
            // every worker inside a work item. In a pool that is working the queue changes as it is read.
            QueuedWork = Name(items, queued, resolveDelegates: workers > 0 && processing >= workers),
        };
    }

    private static ImmutableArray<AsyncQueuedWork> Name(List<ClrObject> items, int queued, bool resolveDelegates)
    {
        List<AsyncQueuedWork> work = items
            .Take(MaxItemsNamed)
            .GroupBy(item => Describe(item, resolveDelegates))
            .Select(static group => new AsyncQueuedWork(group.Key, group.Count()))
            .OrderByDescending(static w => w.Count)
            .ThenBy(static w => w.What, StringComparer.Ordinal)
            .ToList();
        int named = work.Sum(static w => w.Count);
        if (queued > named)
        {
            work.Add(new AsyncQueuedWork("not looked at", queued - named));
        }

        return work.ToImmutableArray();
    }

    /// <summary>What a queued item runs, in words.</summary>
    private static string Describe(ClrObject item, bool resolveDelegates)
    {
        string name = item.Type?.Name ?? "?";
        if (StateMachines.IsBox(name))
        {
            return "continuation of " + StateMachines.MethodName(StateMachines.TypeName(name));
        }

        if (!resolveDelegates)
        {
            return name;
        }

        FieldReader reader = new FieldReader(item);
        if (Method(reader.Object("m_action")) is string action)
        {
            return "task " + action;
        }

        return Method(reader.Object("_callback")) is string callback ? "callback " + callback : name;
    }

    private static string? Method(ClrObject callback)
    {
        if (callback.IsNull || !callback.IsDelegate)
        {
            return null;
        }

        try
        {
            ClrMethod? method = callback.AsDelegate().GetDelegateTarget()?.Method;
            return method?.Type?.Name is string type && method.Name is string name ? MethodName(type, name) : method?.Signature;
        }
        catch (Exception ex) when (FieldReader.IsReadFailure(ex))
        {
            return null;
        }
    }

    /// <summary>
    /// A method as its author wrote it: a lambda <c>Ns.Class+&lt;&gt;c__DisplayClass1_0.&lt;Run&gt;b__0</c> (or
    /// <c>Ns.Class+&lt;&gt;c.&lt;Run&gt;b__1_0</c>) is <c>Ns.Class.Run(lambda)</c>; any other is <c>Ns.Class.Method</c>.
    /// </summary>
    internal static string MethodName(string type, string method)
    {
        int closure = type.IndexOf("+<>c", StringComparison.Ordinal);
        string owner = (closure < 0 ? type : type[..closure]).Replace('+', '.');
        int lambda = method.IndexOf(">b__", StringComparison.Ordinal);
        if (method.StartsWith('<') && lambda > 1)
        {
            return $"{owner}.{method[1..lambda]}(lambda)";
        }

        return $"{owner}.{method}";
    }

    private static ClrObject Static(ClrModule module, string type, string field, ClrAppDomain domain)
    {
        try
        {
            ClrStaticField? f = module.GetTypeByName(type)?.GetStaticFieldByName(field);
            return f is null || !f.IsObjectReference ? default : f.ReadObject(domain);
        }
        catch (Exception ex) when (FieldReader.IsReadFailure(ex))
        {
            return default;
        }
    }

    /// <summary>The items of a <c>ConcurrentQueue&lt;object&gt;</c>: the slots between each segment's head and tail (wrapped by its mask) that are set.</summary>
    private static int ConcurrentQueueItems(GuardedHeap heap, ClrObject queue, List<ClrObject> items)
    {
        int count = 0;
        ClrObject segment = heap.Field(queue, "_head");
        HashSet<ulong> seen = new HashSet<ulong>();
        while (!segment.IsNull && seen.Add(segment.Address) && seen.Count <= MaxSegments)
        {
            FieldReader reader = new FieldReader(segment);
            ClrObject slots = heap.Field(segment, "_slots");
            int length = GuardedHeap.Length(slots);
            FieldReader headAndTail = reader.Nested("_headAndTail");
            int head = headAndTail.Read<int>("Head");
            int tail = headAndTail.Read<int>("Tail");
            int mask = reader.Read<int>("_slotsMask");
            // Head and tail count up for ever; the slots between them, wrapped by the mask, are the queued ones.
            for (int i = head, n = 0; i != tail && n < length; i++, n++)
            {
                ulong item = heap.ElementPointer(slots, i & mask, "Item");
                if (item != 0)
                {
                    count++;
                    Keep(heap.At(item), items);
                }
            }

            segment = heap.Field(segment, "_nextSegment");
        }

        return count;
    }

    /// <summary>A worker's local queue: the items of <c>m_array</c> from head to tail, wrapped by the mask.</summary>
    private static int LocalQueueItems(GuardedHeap heap, ClrObject local, List<ClrObject> items)
    {
        FieldReader reader = new FieldReader(local);
        ClrObject array = heap.Field(local, "m_array");
        int length = GuardedHeap.Length(array);
        int head = reader.Read<int>("m_headIndex");
        int tail = reader.Read<int>("m_tailIndex");
        int mask = reader.Read<int>("m_mask");
        int count = 0;
        for (int i = head, n = 0; i < tail && n < length; i++, n++)
        {
            ulong item = heap.ElementPointer(array, i & mask);
            if (item != 0)
            {
                count++;
                Keep(heap.At(item), items);
            }
        }

        return count;
    }

    private static void Keep(ClrObject item, List<ClrObject> items)
    {
        if (!item.IsNull && items.Count < MaxItemsKept)
        {
            items.Add(item);
        }
    }
}
