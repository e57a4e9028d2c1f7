using System.Collections.Immutable;

namespace ProcAudit;

/// <summary>Keeps the snapshot's arrays never default.</summary>
internal static class ImmutableArrays
{
    /// <summary>
    /// Empty for a default array. The compile-time JSON metadata sets every init-only property when
    /// it reads a snapshot, passing a default array for one the file lacks (an older snapshot), which
    /// would otherwise replace the property's empty initial value and throw when enumerated.
    /// </summary>
    public static ImmutableArray<T> OrEmpty<T>(this ImmutableArray<T> array) => array.IsDefault ? ImmutableArray<T>.Empty : array;
}
