using System.Buffers.Binary;
using System.Text;

namespace ProcAudit.Go;

/// <summary>
/// The parts of an ELF64 little-endian file the Go reader needs: sections by name, .symtab symbols, and the
/// mapping from virtual addresses to file bytes (through PT_LOAD segments).
/// </summary>
internal sealed class ElfImage
{
    private const ushort MachineX8664 = 62;
    private const uint PtLoad = 1;
    private const uint ShtSymtab = 2;
    private const uint ShtNobits = 8;

    private readonly List<ElfSegment> _segments;
    private readonly Dictionary<string, ElfSection> _sections;

    private ElfImage(byte[] data, ushort type, List<ElfSegment> segments, Dictionary<string, ElfSection> sections)
    {
        Data = data;
        Type = type;
        _segments = segments;
        _sections = sections;
    }

    /// <summary>The whole file.</summary>
    public byte[] Data { get; }

    /// <summary>e_type: 2 for a fixed-address executable, 3 for PIE or a shared object.</summary>
    public ushort Type { get; }

    /// <summary>Parses <paramref name="data"/>; null with <paramref name="error"/> set when it is not an ELF64 x86-64 LE file.</summary>
    public static ElfImage? TryParse(byte[] data, out string? error)
    {
        error = null;
        ReadOnlySpan<byte> span = data;
        if (span.Length < 64 || span[0] != 0x7f || span[1] != (byte)'E' || span[2] != (byte)'L' || span[3] != (byte)'F')
        {
            error = "not an ELF file";
            return null;
        }

        if (span[4] != 2 || span[5] != 1)
        {
            error = "not a 64-bit little-endian ELF file";
            return null;
        }

        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(span[16..]);
        ushort machine = BinaryPrimitives.ReadUInt16LittleEndian(span[18..]);
        if (machine != MachineX8664)
        {
            error = $"ELF machine {machine} is not x86-64 (only amd64 is supported)";
            return null;
        }

        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(span[32..]);
        ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(span[40..]);
        ushort phentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[54..]);
        ushort phnum = BinaryPrimitives.ReadUInt16LittleEndian(span[56..]);
        ushort shentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[58..]);
        ushort shnum = BinaryPrimitives.ReadUInt16LittleEndian(span[60..]);
        ushort shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(span[62..]);

        List<ElfSegment> segments = new List<ElfSegment>();
        for (int i = 0; i < phnum; i++)
        {
            ulong at = phoff + ((ulong)i * phentsize);
            if (at + 56 > (ulong)data.Length)
            {
                break;
            }

            ReadOnlySpan<byte> ph = span[(int)at..];
            if (BinaryPrimitives.ReadUInt32LittleEndian(ph) != PtLoad)
            {
                continue;
            }

            segments.Add(new ElfSegment(
                BinaryPrimitives.ReadUInt64LittleEndian(ph[16..]),
                BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]),
                BinaryPrimitives.ReadUInt64LittleEndian(ph[32..])));
        }

        Dictionary<string, ElfSection> sections = new Dictionary<string, ElfSection>(StringComparer.Ordinal);
        List<(uint NameOffset, ElfSection Section)> raw = new List<(uint, ElfSection)>();
        for (int i = 0; i < shnum; i++)
        {
            ulong at = shoff + ((ulong)i * shentsize);
            if (at + 64 > (ulong)data.Length)
            {
                break;
            }

            ReadOnlySpan<byte> sh = span[(int)at..];
            raw.Add((BinaryPrimitives.ReadUInt32LittleEndian(sh), new ElfSection(
                string.Empty,
                i,
                BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]),
                BinaryPrimitives.ReadUInt64LittleEndian(sh[16..]),
                BinaryPrimitives.ReadUInt64LittleEndian(sh[24..]),
                BinaryPrimitives.ReadUInt64LittleEndian(sh[32..]),
                BinaryPrimitives.ReadUInt32LittleEndian(sh[40..]))));
        }

        if (shstrndx < raw.Count)
        {
            ElfSection names = raw[shstrndx].Section;
            foreach ((uint nameOffset, ElfSection section) in raw)
            {
                string name = CString(data, names.FileOffset + nameOffset, 256);
                sections.TryAdd(name, section with { Name = name });
            }
        }

        return new ElfImage(data, type, segments, sections);
    }

    /// <summary>The section named <paramref name="name"/>, or null.</summary>
    public ElfSection? Section(string name)
    {
        return _sections.TryGetValue(name, out ElfSection? section) ? section : null;
    }

    /// <summary>The bytes of a section present in the file (not NOBITS), or an empty span.</summary>
    public ReadOnlySpan<byte> SectionBytes(ElfSection section)
    {
        if (section.Type == ShtNobits || section.FileOffset + section.Size > (ulong)Data.Length)
        {
            return ReadOnlySpan<byte>.Empty;
        }

        return Data.AsSpan((int)section.FileOffset, (int)section.Size);
    }

    /// <summary>The file offset of virtual address <paramref name="address"/> when it lies in file-backed bytes.</summary>
    public long? FileOffset(ulong address)
    {
        foreach (ElfSegment segment in _segments)
        {
            if (address >= segment.Address && address < segment.Address + segment.FileSize)
            {
                ulong offset = segment.FileOffset + (address - segment.Address);
                return offset < (ulong)Data.Length ? (long)offset : null;
            }
        }

        return null;
    }

    /// <summary>File bytes at virtual address <paramref name="address"/>, up to <paramref name="length"/>; empty when unmapped.</summary>
    public ReadOnlySpan<byte> At(ulong address, int length)
    {
        long? offset = FileOffset(address);
        if (offset is null)
        {
            return ReadOnlySpan<byte>.Empty;
        }

        int available = (int)Math.Min(length, Data.Length - offset.Value);
        return Data.AsSpan((int)offset.Value, available);
    }

    /// <summary>The 8-byte word at <paramref name="address"/>, or null when it is not in the file.</summary>
    public ulong? Word(ulong address)
    {
        ReadOnlySpan<byte> bytes = At(address, 8);
        return bytes.Length == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(bytes) : null;
    }

    /// <summary>The name of the .symtab symbol whose value is exactly <paramref name="address"/> (a global's name), or null.</summary>
    public string? SymbolAt(ulong address)
    {
        foreach (ElfSection section in _sections.Values)
        {
            ElfSection? strings = section.Type == ShtSymtab ? _sections.Values.FirstOrDefault(s => s.Index == section.Link) : null;
            if (strings is null)
            {
                continue;
            }

            ReadOnlySpan<byte> table = SectionBytes(section);
            for (int at = 0; at + 24 <= table.Length; at += 24)
            {
                if (BinaryPrimitives.ReadUInt64LittleEndian(table[(at + 8)..]) == address && BinaryPrimitives.ReadUInt64LittleEndian(table[(at + 16)..]) > 0)
                {
                    return CString(Data, strings.FileOffset + BinaryPrimitives.ReadUInt32LittleEndian(table[at..]), 512);
                }
            }
        }

        return null;
    }

    /// <summary>The value of the .symtab symbol named <paramref name="name"/>, or null (stripped, or absent).</summary>
    public ulong? Symbol(string name)
    {
        foreach (ElfSection section in _sections.Values)
        {
            if (section.Type != ShtSymtab)
            {
                continue;
            }

            ElfSection? strings = _sections.Values.FirstOrDefault(s => s.Index == section.Link);
            if (strings is null)
            {
                continue;
            }

            ReadOnlySpan<byte> table = SectionBytes(section);
            byte[] wanted = Encoding.ASCII.GetBytes(name);
            for (int at = 0; at + 24 <= table.Length; at += 24)
            {
                uint nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(table[at..]);
                ulong start = strings.FileOffset + nameOffset;
                if (start + (ulong)wanted.Length + 1 > (ulong)Data.Length)
                {
                    continue;
                }

                ReadOnlySpan<byte> candidate = Data.AsSpan((int)start, wanted.Length + 1);
                if (candidate[..wanted.Length].SequenceEqual(wanted) && candidate[wanted.Length] == 0)
                {
                    return BinaryPrimitives.ReadUInt64LittleEndian(table[(at + 8)..]);
                }
            }
        }

        return null;
    }

    /// <summary>A NUL-terminated string at file offset <paramref name="offset"/>, at most <paramref name="max"/> bytes.</summary>
    public static string CString(byte[] data, ulong offset, int max)
    {
        if (offset >= (ulong)data.Length)
        {
            return string.Empty;
        }

        ReadOnlySpan<byte> rest = data.AsSpan((int)offset, (int)Math.Min((ulong)max, (ulong)data.Length - offset));
        int end = rest.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]);
    }
}
