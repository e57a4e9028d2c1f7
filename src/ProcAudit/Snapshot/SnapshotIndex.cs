using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ProcAudit;

/// <summary>
/// Finds an element of a snapshot's list by its key without walking the list: the analysis of a scan's
/// 2,241-process tree looked up a pipe by id for every waiting thread, a walk of 3,000 pipes each time
/// (a fifth of the scan's CPU). The index hangs off the list's own array, so a snapshot copied with
/// <c>with</c> and a new list gets a new index, and the records themselves stay plain data.
/// </summary>
internal static class SnapshotIndex<TKey, TValue>
    where TKey : notnull
    where TValue : class
{
    /// <summary>Below this length a walk costs less than the index.</summary>
    private const int Small = 16;

    private static readonly ConditionalWeakTable<TValue[], Dictionary<TKey, TValue>> s_indexes = new();

    /// <summary>The first element of <paramref name="items"/> whose key is <paramref name="key"/>, as a walk would find it.</summary>
    public static TValue? Find(ImmutableArray<TValue> items, TKey key, Func<TValue, TKey> keyOf)
    {
        if (items.Length <= Small)
        {
            foreach (TValue item in items)
            {
                if (EqualityComparer<TKey>.Default.Equals(keyOf(item), key))
                {
                    return item;
                }
            }
            return null;
        }
        TValue[] array = ImmutableCollectionsMarshal.AsArray(items)!;
        if (!s_indexes.TryGetValue(array, out Dictionary<TKey, TValue>? index))
        {
            index = new Dictionary<TKey, TValue>(array.Length);
            foreach (TValue item in array)
            {
                index.TryAdd(keyOf(item), item); // the first wins, as in a walk
            }
            // Two threads may build it at once; either copy is the same.
            s_indexes.AddOrUpdate(array, index);
        }
        return index.GetValueOrDefault(key);
    }
}
