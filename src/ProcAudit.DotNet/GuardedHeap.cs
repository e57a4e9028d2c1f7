using Microsoft.Diagnostics.Runtime;

namespace ProcAudit.DotNet;

/// <summary>
/// Reads references that a running program may be changing under the reader (a work queue's slots, a context's
/// queue) without handing a stale pointer to the DAC: a reference is read as raw memory, and becomes an object only
/// when its method table is one the heap walk already met, so its type needs no lookup. A slot read while it was
/// being cleared, or an object freed since, is then nothing rather than a type lookup on garbage (measured: such
/// lookups crashed the DAC, a native library, in the reading process).
/// </summary>
internal sealed class GuardedHeap
{
    private readonly ClrHeap _heap;
    private readonly IMemoryReader _memory;
    private readonly IReadOnlyDictionary<ulong, ClrType> _types;

    public GuardedHeap(ClrRuntime runtime, IReadOnlyDictionary<ulong, ClrType> types)
    {
        _heap = runtime.Heap;
        _memory = runtime.DataTarget.DataReader;
        _types = types;
    }

    /// <summary>The object at <paramref name="address"/> when its method table is a known one; default otherwise.</summary>
    public ClrObject At(ulong address)
    {
        if (address == 0 || !_memory.ReadPointer(address, out ulong methodTable))
        {
            return default;
        }

        return _types.TryGetValue(methodTable & ~3UL, out ClrType? type) ? _heap.GetObject(address, type) : default;
    }

    /// <summary>The pointer stored at <paramref name="address"/>, or 0.</summary>
    public ulong PointerAt(ulong address)
    {
        return address != 0 && _memory.ReadPointer(address, out ulong value) ? value : 0;
    }

    /// <summary>The raw value of a reference field (0 when there is no such field or it cannot be read).</summary>
    public ulong Pointer(ClrObject obj, string field)
    {
        ClrInstanceField? f = obj.IsNull ? null : obj.Type?.GetFieldByName(field);
        return f is not null && f.IsObjectReference && _memory.ReadPointer(f.GetAddress(obj.Address), out ulong value) ? value : 0;
    }

    /// <summary>A reference field, guarded.</summary>
    public ClrObject Field(ClrObject obj, string field) => At(Pointer(obj, field));

    /// <summary>The raw reference at element <paramref name="index"/> of a reference array, or in field <paramref name="field"/> of a struct array's element.</summary>
    public ulong ElementPointer(ClrObject array, int index, string? field = null)
    {
        ClrType? type = array.Type;
        if (array.IsNull || type is null || !type.IsArray)
        {
            return 0;
        }

        ulong element;
        try
        {
            element = type.GetArrayElementAddress(array.Address, index);
        }
        catch (Exception ex) when (FieldReader.IsReadFailure(ex))
        {
            return 0;
        }

        if (field is not null)
        {
            ClrInstanceField? f = type.ComponentType?.GetFieldByName(field);
            if (f is null || !f.IsObjectReference)
            {
                return 0;
            }

            element += (ulong)f.Offset;
        }

        return element != 0 && _memory.ReadPointer(element, out ulong value) ? value : 0;
    }

    /// <summary>The length of an array, or 0.</summary>
    public static int Length(ClrObject array)
    {
        try
        {
            return array.IsNull || !array.IsArray ? 0 : array.AsArray().Length;
        }
        catch (Exception ex) when (FieldReader.IsReadFailure(ex))
        {
            return 0;
        }
    }
}
