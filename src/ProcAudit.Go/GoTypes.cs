using System.Buffers.Binary;
using System.Text;

namespace ProcAudit.Go;

/// <summary>
/// Struct layouts read from the runtime type descriptors the binary carries (stripped or not), so no per-version
/// offset table is needed: <c>runtime._type</c> (str at +40, kind at +23) and <c>runtime.structtype</c> (fields at +56).
/// </summary>
internal sealed class GoTypes
{
    private const int KindMask = 31;
    private const int KindStruct = 25;
    private const byte TflagExtraStar = 1 << 1;
    private const int MaxFields = 512;

    private readonly ElfImage _elf;
    private readonly ulong _types;
    private readonly ulong _etypes;
    private readonly bool _offsetHasEmbeddedBit;
    private readonly Dictionary<string, ulong?> _structs = new Dictionary<string, ulong?>(StringComparer.Ordinal);

    /// <summary>Creates a reader over the [types, etypes) range of moduledata.</summary>
    /// <param name="elf">The executable.</param>
    /// <param name="types">moduledata.types.</param>
    /// <param name="etypes">moduledata.etypes.</param>
    /// <param name="offsetHasEmbeddedBit">Go 1.18 stores structField.offset as offset&lt;&lt;1|embedded.</param>
    public GoTypes(ElfImage elf, ulong types, ulong etypes, bool offsetHasEmbeddedBit)
    {
        _elf = elf;
        _types = types;
        _etypes = etypes;
        _offsetHasEmbeddedBit = offsetHasEmbeddedBit;
    }

    /// <summary>The descriptor address of struct type <paramref name="name"/> (e.g. "runtime.g"), or null.</summary>
    public ulong? FindStruct(string name)
    {
        if (_structs.TryGetValue(name, out ulong? cached))
        {
            return cached;
        }

        ulong? found = Search(name);
        _structs[name] = found;
        return found;
    }

    /// <summary>The size of the type at <paramref name="type"/>.</summary>
    public ulong? Size(ulong type)
    {
        return _elf.Word(type);
    }

    /// <summary>
    /// The offset of a dotted field path (e.g. "sched.sp") inside struct <paramref name="structName"/>, following
    /// nested struct fields through their descriptors; null when any step is missing.
    /// </summary>
    public ulong? FieldOffset(string structName, string path)
    {
        ulong? type = FindStruct(structName);
        if (type is null)
        {
            return null;
        }

        ulong total = 0;
        foreach (string part in path.Split('.'))
        {
            if (type is null)
            {
                return null;
            }

            (ulong Offset, ulong Type)? field = Field(type.Value, part);
            if (field is null)
            {
                return null;
            }

            total += field.Value.Offset;
            type = field.Value.Type;
        }

        return total;
    }

    /// <summary>The name of the type at <paramref name="type"/> (its str), or null.</summary>
    public string? TypeName(ulong type)
    {
        ReadOnlySpan<byte> header = _elf.At(type, 48);
        if (header.Length < 48)
        {
            return null;
        }

        int nameOffset = BinaryPrimitives.ReadInt32LittleEndian(header[40..]);
        string? name = ReadName(_types + (ulong)nameOffset);
        if (name is not null && (header[20] & TflagExtraStar) != 0 && name.StartsWith('*'))
        {
            name = name[1..];
        }

        return name;
    }

    private (ulong Offset, ulong Type)? Field(ulong structType, string name)
    {
        ReadOnlySpan<byte> header = _elf.At(structType, 80);
        if (header.Length < 80 || (header[23] & KindMask) != KindStruct)
        {
            return null;
        }

        ulong fields = BinaryPrimitives.ReadUInt64LittleEndian(header[56..]);
        ulong count = BinaryPrimitives.ReadUInt64LittleEndian(header[64..]);
        if (count > MaxFields)
        {
            return null;
        }

        ReadOnlySpan<byte> records = _elf.At(fields, (int)count * 24);
        if (records.Length < (int)count * 24)
        {
            return null;
        }

        for (int i = 0; i < (int)count; i++)
        {
            ReadOnlySpan<byte> record = records[(i * 24)..];
            ulong namePointer = BinaryPrimitives.ReadUInt64LittleEndian(record);
            if (ReadName(namePointer) != name)
            {
                continue;
            }

            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(record[16..]);
            return (_offsetHasEmbeddedBit ? offset >> 1 : offset, BinaryPrimitives.ReadUInt64LittleEndian(record[8..]));
        }

        return null;
    }

    /// <summary>A runtime name record: a flags byte, a varint length, the bytes.</summary>
    private string? ReadName(ulong address)
    {
        ReadOnlySpan<byte> bytes = _elf.At(address, 1 + 10 + 1024);
        if (bytes.Length < 2)
        {
            return null;
        }

        int length = 0;
        int position = 1;
        for (int shift = 0; position < bytes.Length && shift < 21; shift += 7)
        {
            byte b = bytes[position++];
            length |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                break;
            }
        }

        return position + length <= bytes.Length ? Encoding.UTF8.GetString(bytes.Slice(position, length)) : null;
    }

    private ulong? Search(string name)
    {
        long? start = _elf.FileOffset(_types);
        long? end = _elf.FileOffset(_etypes - 1);
        if (start is null || end is null || end < start)
        {
            return null;
        }

        ReadOnlySpan<byte> region = _elf.Data.AsSpan((int)start.Value, (int)(end.Value - start.Value + 1));

        // Named types are stored as "*T" with tflagExtraStar so the pointer type can share the string.
        byte[] text = Encoding.UTF8.GetBytes("*" + name);
        byte[] pattern = new byte[text.Length + 1];
        pattern[0] = (byte)text.Length;
        text.CopyTo(pattern, 1);
        int from = 0;

        // Bounded: each match moves the cursor forward.
        while (from < region.Length)
        {
            int hit = region[from..].IndexOf(pattern);
            if (hit < 0)
            {
                return null;
            }

            int at = from + hit;
            from = at + 1;
            if (at == 0)
            {
                continue;
            }

            int nameOffset = at - 1;
            ulong? type = FindTypeWithName(region, nameOffset);
            if (type is not null)
            {
                return type;
            }
        }

        return null;
    }

    private ulong? FindTypeWithName(ReadOnlySpan<byte> region, int nameOffset)
    {
        for (int at = 0; at + 80 <= region.Length; at += 8)
        {
            if (BinaryPrimitives.ReadInt32LittleEndian(region[(at + 40)..]) != nameOffset)
            {
                continue;
            }

            if ((region[at + 23] & KindMask) == KindStruct && (region[at + 20] & TflagExtraStar) != 0)
            {
                return _types + (ulong)at;
            }
        }

        return null;
    }
}
