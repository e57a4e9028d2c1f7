using System.Buffers.Binary;
using System.Text;

namespace ProcAudit.Go;

/// <summary>
/// A decoder of the Go 1.18+ pclntab (function table, pc-value tables, file and line tables, inline trees), read
/// from the executable's bytes: it is what the runtime itself uses for tracebacks, and stripping keeps it.
/// </summary>
internal sealed class PcLineTable
{
    /// <summary>The runtime's funcFlag_TOPFRAME: the outermost frame of a goroutine or thread.</summary>
    public const byte FlagTopFrame = 1;

    /// <summary>PCDATA_InlTreeIndex.</summary>
    public const int PcdataInlTreeIndex = 2;

    /// <summary>FUNCDATA_InlTree.</summary>
    public const int FuncdataInlTree = 3;

    /// <summary>PCDATA table of the stack map index (which row of the pointer maps is live at a pc).</summary>
    public const int PcdataStackMapIndex = 1;

    /// <summary>FUNCDATA of the arguments' pointer maps.</summary>
    public const int FuncdataArgsPointerMaps = 0;

    /// <summary>FUNCDATA of the locals' pointer maps.</summary>
    public const int FuncdataLocalsPointerMaps = 1;

    /// <summary>FUNCDATA of the open-coded defer info (defer bits and closure slots).</summary>
    public const int FuncdataOpenCodedDeferInfo = 4;

    private const uint Magic118 = 0xfffffff0;
    private const uint Magic120 = 0xfffffff1;

    private readonly byte[] _data;
    private readonly int _base;
    private readonly int _length;
    private readonly int _funcCount;
    private readonly int _funcnameTab;
    private readonly int _cuTab;
    private readonly int _fileTab;
    private readonly int _pcTab;
    private readonly int _funcTab;
    private readonly int _funcSize;

    private PcLineTable(byte[] data, int start, int length, bool is120)
    {
        _data = data;
        _base = start;
        _length = length;
        Is120 = is120;
        ReadOnlySpan<byte> header = data.AsSpan(start, length);
        _funcCount = (int)BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        TextStart = BinaryPrimitives.ReadUInt64LittleEndian(header[24..]);
        FuncnameOffset = BinaryPrimitives.ReadUInt64LittleEndian(header[32..]);
        _funcnameTab = (int)FuncnameOffset;
        _cuTab = (int)BinaryPrimitives.ReadUInt64LittleEndian(header[40..]);
        _fileTab = (int)BinaryPrimitives.ReadUInt64LittleEndian(header[48..]);
        _pcTab = (int)BinaryPrimitives.ReadUInt64LittleEndian(header[56..]);
        _funcTab = (int)BinaryPrimitives.ReadUInt64LittleEndian(header[64..]);
        _funcSize = is120 ? 44 : 40;
    }

    /// <summary>True for the Go 1.20+ layout (magic 0xfffffff1), false for 1.18/1.19.</summary>
    public bool Is120 { get; }

    /// <summary>pcHeader.textStart: function entries are offsets from it.</summary>
    public ulong TextStart { get; }

    /// <summary>pcHeader.funcnameOffset, used to recognise moduledata.</summary>
    public ulong FuncnameOffset { get; }

    /// <summary>Number of functions.</summary>
    public int FuncCount => _funcCount;

    /// <summary>moduledata.gofunc, needed for FUNCDATA (inline trees); 0 until known.</summary>
    public ulong GoFuncBase { get; set; }

    /// <summary>Parses the pclntab at <paramref name="start"/>; null with <paramref name="error"/> when its magic is not 1.18+.</summary>
    public static PcLineTable? TryParse(byte[] data, int start, int length, out string? error)
    {
        error = null;
        if (start < 0 || length < 72 || start + length > data.Length)
        {
            error = ".gopclntab is truncated";
            return null;
        }

        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(start));
        if (magic != Magic118 && magic != Magic120)
        {
            error = $"pclntab magic 0x{magic:x8} is not a Go 1.18+ one (older Go versions are not supported)";
            return null;
        }

        if (data[start + 6] != 1 || data[start + 7] != 8)
        {
            error = "pclntab is not for a 64-bit x86 target";
            return null;
        }

        PcLineTable table = new PcLineTable(data, start, length, magic == Magic120);
        if (table._funcCount <= 0 || table._funcTab + ((table._funcCount + 1) * 8) > length)
        {
            error = "pclntab function table is out of range";
            return null;
        }

        return table;
    }

    /// <summary>The function containing <paramref name="pc"/>, or null.</summary>
    public GoFunc? FindFunc(ulong pc)
    {
        if (FuncIndex(pc) is not int index)
        {
            return null;
        }

        uint funcOffset = U32(_funcTab + (index * 8) + 4);
        return ReadFunc(_funcTab + (int)funcOffset);
    }

    /// <summary>The first address after the function containing <paramref name="pc"/> (the next function's entry), or null.</summary>
    public ulong? FuncEnd(ulong pc)
    {
        return FuncIndex(pc) is int index ? TextStart + EntryOffset(index + 1) : null;
    }

    /// <summary>The functab index of the function containing <paramref name="pc"/>: a binary search on entry offsets.</summary>
    private int? FuncIndex(ulong pc)
    {
        if (pc < TextStart || pc - TextStart > uint.MaxValue)
        {
            return null;
        }

        uint relative = (uint)(pc - TextStart);
        if (relative >= EntryOffset(_funcCount))
        {
            return null;
        }

        int low = 0;
        int high = _funcCount;
        while (high - low > 1)
        {
            int middle = (low + high) / 2;
            if (EntryOffset(middle) <= relative)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        return EntryOffset(low) > relative ? null : low;
    }

    /// <summary>The function's name.</summary>
    public string FuncName(GoFunc func)
    {
        return NameAt(func.NameOffset);
    }

    /// <summary>A name in the function name table.</summary>
    public string NameAt(int nameOffset)
    {
        if (nameOffset < 0 || _funcnameTab + nameOffset >= _length)
        {
            return "?";
        }

        return ElfImage.CString(_data, (ulong)(_base + _funcnameTab + nameOffset), 4096);
    }

    /// <summary>The frame size (pcsp) at <paramref name="pc"/>, or null.</summary>
    public int? SpDelta(GoFunc func, ulong pc)
    {
        return PcValue(func.PcSp, func.Entry, pc);
    }

    /// <summary>The file and line of <paramref name="pc"/> in <paramref name="func"/>.</summary>
    public (string File, int Line) FileLine(GoFunc func, ulong pc)
    {
        int? fileIndex = PcValue(func.PcFile, func.Entry, pc);
        int? line = PcValue(func.PcLn, func.Entry, pc);
        string file = "?";
        if (fileIndex is int index && index >= 0)
        {
            int cuSlot = _cuTab + ((int)(func.CuOffset + (uint)index) * 4);
            if (cuSlot + 4 <= _length)
            {
                uint fileOffset = U32(cuSlot);
                if (fileOffset != uint.MaxValue && _fileTab + fileOffset < _length)
                {
                    file = ElfImage.CString(_data, (ulong)(_base + _fileTab + (int)fileOffset), 4096);
                }
            }
        }

        return (file, line ?? 0);
    }

    /// <summary>PCDATA table <paramref name="table"/> at <paramref name="pc"/>; -1 when absent.</summary>
    public int Pcdata(GoFunc func, int table, ulong pc)
    {
        if (table >= func.PcdataCount)
        {
            return -1;
        }

        uint offset = U32(func.Offset + _funcSize + (table * 4));
        if (offset == 0)
        {
            return -1;
        }

        return PcValue(offset, func.Entry, pc) ?? -1;
    }

    /// <summary>The address of FUNCDATA <paramref name="index"/>, or null when absent or gofunc is unknown.</summary>
    public ulong? Funcdata(GoFunc func, int index)
    {
        if (index >= func.FuncdataCount || GoFuncBase == 0)
        {
            return null;
        }

        uint offset = U32(func.Offset + _funcSize + ((int)func.PcdataCount * 4) + (index * 4));
        return offset == uint.MaxValue ? null : GoFuncBase + offset;
    }

    /// <summary>The size of one inline tree record: 20 bytes in 1.18/1.19, 16 from 1.20.</summary>
    public int InlinedCallSize => Is120 ? 16 : 20;

    private uint EntryOffset(int index)
    {
        return U32(_funcTab + (index * 8));
    }

    private GoFunc? ReadFunc(int offset)
    {
        if (offset < 0 || offset + _funcSize > _length)
        {
            return null;
        }

        uint entryOffset = U32(offset);
        int tail = Is120 ? 40 : 36;
        return new GoFunc(
            offset,
            TextStart + entryOffset,
            (int)U32(offset + 4),
            U32(offset + 16),
            U32(offset + 20),
            U32(offset + 24),
            U32(offset + 28),
            U32(offset + 32),
            _data[_base + offset + tail],
            _data[_base + offset + tail + 1],
            _data[_base + offset + tail + 3],
            (int)U32(offset + 8));
    }

    /// <summary>The runtime's pcvalue: walks the varint-coded (value delta, pc delta) pairs up to <paramref name="target"/>.</summary>
    private int? PcValue(uint tableOffset, ulong entry, ulong target)
    {
        if (tableOffset == 0)
        {
            return null;
        }

        int position = _pcTab + (int)tableOffset;
        ulong pc = entry;
        int value = -1;
        bool first = true;

        // Tables are short; the bound only guards against a corrupted table.
        for (int step = 0; step < 1_000_000; step++)
        {
            if (!TryVarint(ref position, out uint valueDelta))
            {
                return null;
            }

            if (valueDelta == 0 && !first)
            {
                return null;
            }

            first = false;
            int delta = (valueDelta & 1) != 0 ? (int)~(valueDelta >> 1) : (int)(valueDelta >> 1);
            if (!TryVarint(ref position, out uint pcDelta))
            {
                return null;
            }

            pc += pcDelta;
            value += delta;
            if (target < pc)
            {
                return value;
            }
        }

        return null;
    }

    private bool TryVarint(ref int position, out uint value)
    {
        value = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            if (position >= _length)
            {
                return false;
            }

            byte b = _data[_base + position];
            position++;
            value |= (uint)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }

    private uint U32(int offset)
    {
        return offset >= 0 && offset + 4 <= _length ? BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(_base + offset)) : 0;
    }

    /// <summary>For diagnostics: the table's extent.</summary>
    public override string ToString()
    {
        return new StringBuilder().Append("pclntab(").Append(_funcCount).Append(" funcs)").ToString();
    }
}
