using System.Buffers.Binary;
using System.Text;
using ProcAudit.Go;

namespace ProcAudit.Python;

/// <summary>
/// Reads code objects, str and bytes from the target, each checked against its type object, and remembers them by
/// address for one read only: threads share most code objects, but a freed one's address can be reused later.
/// </summary>
internal sealed class ObjectReader
{
    // Names and paths are short; a longer "string" is garbage or a torn read, and is cut, not allocated.
    private const int MaxStringCharacters = 4096;
    private const int MaxLineTableBytes = 1 << 20;
    private const int MaxCached = 100_000;

    // One read of the header and the first characters covers almost every name and path.
    private const int StringProbeBytes = 128;

    private readonly ITargetMemory _memory;
    private readonly PythonLayout _layout;
    private readonly PythonTypes _types;
    private readonly Dictionary<ulong, CodeInfo?> _codes = new Dictionary<ulong, CodeInfo?>();
    private readonly Dictionary<ulong, string?> _strings = new Dictionary<ulong, string?>();

    public ObjectReader(ITargetMemory memory, PythonLayout layout, PythonTypes types)
    {
        _memory = memory;
        _layout = layout;
        _types = types;
    }

    /// <summary>The ob_type of the object at <paramref name="address"/>, or null when it cannot be read.</summary>
    public ulong? TypeOf(ulong address) => _memory.Word(address + (ulong)_layout.ObjectType);

    /// <summary>The code object at <paramref name="address"/>; null when it is not one (wrong type, unreadable, garbage).</summary>
    public CodeInfo? Code(ulong address) => Remembered(_codes, address, ReadCode);

    private CodeInfo? ReadCode(ulong address)
    {
        byte[] raw = new byte[_layout.CodeReadSize];
        if (!_memory.TryRead(address, raw) || U64(raw, _layout.ObjectType) != _types.Code)
        {
            return null;
        }

        string? name = String(U64(raw, _layout.CodeName));
        string? file = String(U64(raw, _layout.CodeFilename));
        byte[]? table = Bytes(U64(raw, _layout.CodeLinetable));
        if (name is null || file is null || table is null)
        {
            return null;
        }

        string? qualifiedName = _layout.CodeQualname >= 0 ? String(U64(raw, _layout.CodeQualname)) : null;
        int firstTraceable = _layout.CodeFirstTraceable >= 0 ? BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(_layout.CodeFirstTraceable)) : 0;
        int firstLine = BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(_layout.CodeFirstLineno));
        int stackSize = BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(_layout.CodeStacksize));
        int localsPlus = _layout.CodeNlocalsplus >= 0 ? BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(_layout.CodeNlocalsplus)) : -1;
        ulong exceptionTable = _layout.CodeExceptiontable >= 0 ? U64(raw, _layout.CodeExceptiontable) : 0;
        return new CodeInfo(name, qualifiedName, file, firstLine, table, firstTraceable, stackSize, localsPlus, exceptionTable);
    }

    /// <summary>The str at <paramref name="address"/>; null when it is not a compact str this reader can decode.</summary>
    public string? String(ulong address) => address == 0 ? null : Remembered(_strings, address, ReadString);

    private string? ReadString(ulong address)
    {
        PythonLayout layout = _layout;
        byte[] probe = new byte[layout.UnicodeCompactData + StringProbeBytes];
        bool probed = _memory.TryRead(address, probe);

        // The probe can run past the end of a mapping for a str near its end: read the header alone then.
        if (!probed && !_memory.TryRead(address, probe.AsSpan(0, layout.UnicodeCompactData)))
        {
            return null;
        }

        if (U64(probe, layout.ObjectType) != _types.Unicode)
        {
            return null;
        }

        long length = (long)U64(probe, layout.UnicodeLength);
        uint state = BinaryPrimitives.ReadUInt32LittleEndian(probe.AsSpan(layout.UnicodeState));
        if ((state & layout.StateCompactMask) == 0 || length < 0)
        {
            // Not compact: a legacy string made by the old C API; names and file names never are.
            return null;
        }

        bool ascii = (state & layout.StateAsciiMask) != 0;
        int kind = ascii ? 1 : (int)((state & layout.StateKindMask) >> System.Numerics.BitOperations.TrailingZeroCount(layout.StateKindMask));
        if (kind is not (1 or 2 or 4))
        {
            return null;
        }

        int characters = (int)Math.Min(length, MaxStringCharacters);
        int start = ascii ? layout.UnicodeAsciiData : layout.UnicodeCompactData;
        int size = characters * kind;
        byte[] data;
        if (probed && start + size <= probe.Length)
        {
            data = probe[start..(start + size)];
        }
        else
        {
            data = new byte[size];
            if (!_memory.TryRead(address + (ulong)start, data))
            {
                return null;
            }
        }

        return kind switch
        {
            1 => ascii ? Encoding.ASCII.GetString(data) : Encoding.Latin1.GetString(data),
            2 => Encoding.Unicode.GetString(data),
            _ => Encoding.UTF32.GetString(data),
        };
    }

    /// <summary>The contents of the bytes object at <paramref name="address"/>, or null.</summary>
    public byte[]? Bytes(ulong address)
    {
        byte[] header = new byte[_layout.BytesData];
        if (address == 0 || !_memory.TryRead(address, header) || U64(header, _layout.ObjectType) != _types.Bytes)
        {
            return null;
        }

        long size = (long)U64(header, _layout.BytesSize);
        if (size < 0 || size > MaxLineTableBytes)
        {
            return null;
        }

        byte[] data = new byte[size];
        return size == 0 || _memory.TryRead(address + (ulong)_layout.BytesData, data) ? data : null;
    }

    private static T? Remembered<T>(Dictionary<ulong, T?> known, ulong address, Func<ulong, T?> read)
        where T : class
    {
        if (known.TryGetValue(address, out T? value))
        {
            return value;
        }

        value = read(address);
        if (known.Count < MaxCached)
        {
            known[address] = value;
        }

        return value;
    }

    private static ulong U64(byte[] data, int at) => BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(at));
}
