using Microsoft.Diagnostics.Runtime;

namespace ProcAudit.DotNet;

/// <summary>
/// Who waits for a task: the task's continuation object resolved to the pending tasks or boxes it resumes, and to
/// the event of a thread blocked on it (<c>Task+SetOnInvokeMres</c>: Wait, .Result, GetResult).
/// </summary>
internal static class ContinuationLinks
{
    private const string BlockedThreadEvent = "System.Threading.Tasks.Task+SetOnInvokeMres";
    private const int MaxDepth = 4;
    private const int MaxListItems = 10_000;

    /// <summary>Adds to <paramref name="outers"/> the nodes <paramref name="continuation"/> resumes, and to <paramref name="events"/> blocked threads' events.</summary>
    public static void Resolve(ClrObject continuation, Func<ulong, bool> isNode, List<ulong> outers, List<ulong> events)
    {
        Resolve(continuation, isNode, outers, events, 0);
    }

    private static void Resolve(ClrObject continuation, Func<ulong, bool> isNode, List<ulong> outers, List<ulong> events, int depth)
    {
        if (continuation.IsNull || depth > MaxDepth || continuation.Type?.Name is not string name)
        {
            return;
        }

        if (isNode(continuation.Address))
        {
            outers.Add(continuation.Address);
            return;
        }

        if (name == BlockedThreadEvent)
        {
            events.Add(continuation.Address);
            return;
        }

        FieldReader reader = new FieldReader(continuation);
        if (name.StartsWith("System.Collections.Generic.List<", StringComparison.Ordinal))
        {
            ClrObject items = reader.Object("_items");
            int size = Math.Min(reader.Read<int>("_size"), MaxListItems);
            if (items.IsNull || !items.IsArray)
            {
                return;
            }

            ClrArray array = items.AsArray();
            for (int i = 0; i < size && i < array.Length; i++)
            {
                ClrObject item = SafeElement(array, i);
                Resolve(item, isNode, outers, events, depth + 1);
            }

            return;
        }

        // Delegates resume through their target; task continuations and await continuations through their task or action.
        foreach (string field in new[] { "_target", "m_task", "m_action", "_continuationState", "m_stateObject" })
        {
            ClrObject next = reader.Object(field);
            if (!next.IsNull)
            {
                Resolve(next, isNode, outers, events, depth + 1);
            }
        }
    }

    private static ClrObject SafeElement(ClrArray array, int index)
    {
        try
        {
            return array.GetObjectValue(index);
        }
        catch (Exception ex) when (FieldReader.IsReadFailure(ex))
        {
            return default;
        }
    }
}
