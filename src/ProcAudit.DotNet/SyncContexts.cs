using System.Collections.Immutable;
using Microsoft.Diagnostics.Runtime;

namespace ProcAudit.DotNet;

/// <summary>
/// The SynchronizationContexts threads have installed (UI and single-threaded ones), who owns each, and which flows'
/// continuations were posted to each. An <c>await</c> that captured such a context resumes through
/// <c>context.Post</c>: the box (or its <c>MoveNextAction</c> delegate) then sits in the context's own queue, whatever
/// its type, so the objects the context refers to are searched for the flows' boxes. Tasks are not searched
/// through (a continuation waiting inside a task is not posted yet), nor threads; the search is bounded.
/// </summary>
internal static class SyncContexts
{
    /// <summary>Objects looked at per context before the search stops.</summary>
    public const int MaxObjects = 20_000;

    private const int MaxArrayElements = 4_096;
    private const int MaxStructDepth = 4;

    public static ImmutableArray<AsyncSyncContext> Read(ClrRuntime runtime, AsyncHeapIndex index, GuardedHeap heap, IReadOnlyCollection<ulong> boxes, CancellationToken ct)
    {
        if (index.ContextThreads.Count == 0)
        {
            return ImmutableArray<AsyncSyncContext>.Empty;
        }

        Dictionary<ulong, int> osThreadOf = runtime.Threads
            .Where(static t => t.IsAlive && t.OSThreadId != 0)
            .GroupBy(static t => t.Address)
            .ToDictionary(static g => g.Key, static g => (int)g.First().OSThreadId);
        HashSet<ulong> wanted = boxes.ToHashSet();
        List<AsyncSyncContext> contexts = new List<AsyncSyncContext>();
        foreach (IGrouping<ulong, (ClrObject Thread, ClrObject Context)> group in index.ContextThreads.GroupBy(static c => c.Context.Address).OrderBy(static g => g.Key))
        {
            ct.ThrowIfCancellationRequested();
            ClrObject context = group.First().Context;
            ImmutableArray<int> owners = group
                .Select(c => osThreadOf.TryGetValue(new FieldReader(c.Thread).Read<ulong>("_DONT_USE_InternalThread"), out int os) ? os : 0)
                .Where(static os => os != 0)
                .Distinct()
                .Order()
                .ToImmutableArray();
            contexts.Add(new AsyncSyncContext
            {
                Address = context.Address,
                TypeName = context.Type?.Name ?? "?",
                OwnerThreads = owners,
                PostedFlowIds = Posted(context, index, heap, wanted, ct),
            });
        }

        return contexts.ToImmutableArray();
    }

    /// <summary>The boxes of <paramref name="wanted"/> that the context's objects lead to.</summary>
    private static ImmutableArray<ulong> Posted(ClrObject context, AsyncHeapIndex index, GuardedHeap heap, HashSet<ulong> wanted, CancellationToken ct)
    {
        HashSet<ulong> found = new HashSet<ulong>();
        HashSet<ulong> seen = new HashSet<ulong> { context.Address };
        Queue<ClrObject> pending = new Queue<ClrObject>();
        pending.Enqueue(context);
        while (pending.Count > 0 && seen.Count < MaxObjects)
        {
            if ((seen.Count & 0x3ff) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            foreach (ulong reference in References(pending.Dequeue(), heap))
            {
                if (reference == 0 || !seen.Add(reference))
                {
                    continue;
                }

                if (wanted.Contains(reference))
                {
                    found.Add(reference);
                    continue;
                }

                ClrObject next = heap.At(reference);
                if (next.IsNull || next.Type is not ClrType type || type.IsString || type.Name == "System.Threading.Thread" || index.IsTask(type))
                {
                    continue;
                }

                pending.Enqueue(next);
            }
        }

        return found.Order().ToImmutableArray();
    }

    /// <summary>Every reference an object holds: its fields (and the fields of its struct fields), or an array's elements.</summary>
    private static IEnumerable<ulong> References(ClrObject obj, GuardedHeap heap)
    {
        ClrType? type = obj.Type;
        if (type is null)
        {
            yield break;
        }

        if (type.IsArray)
        {
            ClrType? component = type.ComponentType;
            int length = Math.Min(GuardedHeap.Length(obj), MaxArrayElements);
            if (component is null || length == 0)
            {
                yield break;
            }

            if (component.IsObjectReference)
            {
                for (int i = 0; i < length; i++)
                {
                    yield return heap.ElementPointer(obj, i);
                }

                yield break;
            }

            List<int> offsets = new List<int>();
            StructReferenceOffsets(component, 0, 0, offsets);
            if (offsets.Count == 0)
            {
                yield break;
            }

            for (int i = 0; i < length; i++)
            {
                ulong element = ElementAddress(type, obj.Address, i);
                if (element == 0)
                {
                    yield break;
                }

                foreach (int offset in offsets)
                {
                    yield return heap.PointerAt(element + (ulong)offset);
                }
            }

            yield break;
        }

        foreach (ClrInstanceField field in type.Fields)
        {
            if (field.IsObjectReference)
            {
                yield return heap.PointerAt(field.GetAddress(obj.Address));
            }
            else if (field.IsValueType && field.Type is ClrType structType)
            {
                List<int> offsets = new List<int>();
                StructReferenceOffsets(structType, 0, 0, offsets);
                ulong start = field.GetAddress(obj.Address);
                foreach (int offset in offsets)
                {
                    yield return heap.PointerAt(start + (ulong)offset);
                }
            }
        }
    }

    /// <summary>The offsets of the references inside a struct (and the structs inside it), from its start.</summary>
    private static void StructReferenceOffsets(ClrType type, int start, int depth, List<int> offsets)
    {
        if (depth > MaxStructDepth)
        {
            return;
        }

        foreach (ClrInstanceField field in type.Fields)
        {
            if (field.IsObjectReference)
            {
                offsets.Add(start + field.Offset);
            }
            else if (field.IsValueType && field.Type is ClrType inner && inner != type && !inner.IsPrimitive)
            {
                StructReferenceOffsets(inner, start + field.Offset, depth + 1, offsets);
            }
        }
    }

    private static ulong ElementAddress(ClrType arrayType, ulong array, int index)
    {
        try
        {
            return arrayType.GetArrayElementAddress(array, index);
        }
        catch (Exception ex) when (FieldReader.IsReadFailure(ex))
        {
            return 0;
        }
    }
}
