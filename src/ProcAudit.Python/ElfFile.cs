using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace ProcAudit.Python;

/// <summary>
/// The few parts of an ELF64 x86-64 file the Python reader needs, read piecewise (headers, .dynsym, one symbol's
/// bytes) rather than whole: a libpython with DWARF is 15 to 30 MB, of which a read needs about 100 KB.
/// </summary>
internal sealed class ElfFile
{
    private const ushort MachineX8664 = 62;
    private const uint PtLoad = 1;
    private const uint ShtSymtab = 2;
    private const uint ShtDynsym = 11;
    private const ushort ShnUndef = 0;

    // Far above any libpython's or libc's tables (about 100 KB and 500 KB): a bound against a corrupt header.
    private const ulong MaxTableBytes = 64UL << 20;

    private readonly string _path;
    private readonly List<(ulong Address, ulong Offset, ulong FileSize)> _loads;
    private readonly List<(string Name, uint Type, ulong Offset, ulong Size, uint Link)> _sections;
    private readonly Dictionary<string, ElfSymbol> _dynamic;

    private ElfFile(
        string path,
        ushort type,
        List<(ulong, ulong, ulong)> loads,
        List<(string, uint, ulong, ulong, uint)> sections,
        Dictionary<string, ElfSymbol> dynamic)
    {
        _path = path;
        Type = type;
        _loads = loads;
        _sections = sections;
        _dynamic = dynamic;
    }

    /// <summary>e_type: 2 for a fixed-address executable, 3 for PIE or a shared object.</summary>
    public ushort Type { get; }

    /// <summary>Reads the headers and the dynamic symbol table of <paramref name="path"/>; null with <paramref name="error"/> when it cannot.</summary>
    public static ElfFile? TryOpen(string path, out string? error)
    {
        error = null;
        try
        {
            using SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return Parse(path, file, out error);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"{path}: {ex.Message}";
            return null;
        }
    }

    /// <summary>The defined dynamic symbol <paramref name="name"/> (what the file exports), or null.</summary>
    public ElfSymbol? Symbol(string name) => _dynamic.TryGetValue(name, out ElfSymbol symbol) ? symbol : null;

    /// <summary>
    /// The defined .symtab symbol <paramref name="name"/>, local ones included (a function's static buffer), or null
    /// when the file is stripped or has none. Scans the table: meant for a lookup done once per file.
    /// </summary>
    public ElfSymbol? StaticSymbol(string name)
    {
        try
        {
            using SafeFileHandle file = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return ReadSymbols(file, ShtSymtab, name).TryGetValue(name, out ElfSymbol symbol) ? symbol : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The file's bytes at link-time address <paramref name="address"/>; null unless all <paramref name="length"/> are in the file.</summary>
    public byte[]? ReadAt(ulong address, int length)
    {
        foreach ((ulong start, ulong offset, ulong size) in _loads)
        {
            if (address < start || address - start >= size || size - (address - start) < (ulong)length)
            {
                continue;
            }

            try
            {
                using SafeFileHandle file = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                return ReadExactly(file, offset + (address - start), length);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>
    /// What was added to link-time addresses when <paramref name="mapping"/> (the file's lowest-offset mapping) was
    /// made: its start less the page-aligned address of the PT_LOAD that covers its offset. 0 for a fixed executable.
    /// </summary>
    public ulong? LoadBias(MappedFile mapping)
    {
        const ulong PageMask = ~0xfffUL;
        foreach ((ulong start, ulong offset, ulong size) in _loads)
        {
            ulong alignedOffset = offset & PageMask;
            if (mapping.Offset >= alignedOffset && mapping.Offset < offset + Math.Max(size, 1))
            {
                return mapping.Start - ((start & PageMask) + (mapping.Offset - alignedOffset));
            }
        }

        return null;
    }

    private static ElfFile? Parse(string path, SafeFileHandle file, out string? error)
    {
        error = null;
        byte[]? header = ReadExactly(file, 0, 64);
        if (header is null || header[0] != 0x7f || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F')
        {
            error = $"{path}: not an ELF file";
            return null;
        }

        if (header[4] != 2 || header[5] != 1 || BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(18)) != MachineX8664)
        {
            error = $"{path}: not a 64-bit x86-64 ELF file (only x86-64 is supported)";
            return null;
        }

        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(16));
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(32));
        ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(40));
        int phnum = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(56));
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(60));
        int shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(62));

        List<(ulong, ulong, ulong)> loads = new List<(ulong, ulong, ulong)>();
        byte[] programHeaders = ReadExactly(file, phoff, phnum * 56) ?? [];
        for (int at = 0; at + 56 <= programHeaders.Length; at += 56)
        {
            ReadOnlySpan<byte> ph = programHeaders.AsSpan(at);
            if (BinaryPrimitives.ReadUInt32LittleEndian(ph) == PtLoad)
            {
                // (p_vaddr, p_offset, p_filesz): only file-backed bytes can be read from the file.
                loads.Add((BinaryPrimitives.ReadUInt64LittleEndian(ph[16..]), BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]), BinaryPrimitives.ReadUInt64LittleEndian(ph[32..])));
            }
        }

        List<(string, uint, ulong, ulong, uint)> sections = ReadSections(file, shoff, shnum, shstrndx);
        ElfFile elf = new ElfFile(path, type, loads, sections, new Dictionary<string, ElfSymbol>(StringComparer.Ordinal));
        foreach (KeyValuePair<string, ElfSymbol> symbol in elf.ReadSymbols(file, ShtDynsym, wanted: null))
        {
            elf._dynamic[symbol.Key] = symbol.Value;
        }

        return elf;
    }

    private static List<(string, uint, ulong, ulong, uint)> ReadSections(SafeFileHandle file, ulong shoff, int shnum, int shstrndx)
    {
        List<(string, uint, ulong, ulong, uint)> sections = new List<(string, uint, ulong, ulong, uint)>();
        byte[]? table = shoff == 0 ? null : ReadExactly(file, shoff, shnum * 64);
        if (table is null || shstrndx >= shnum)
        {
            return sections;
        }

        ReadOnlySpan<byte> names = ReadExactly(file, U64(table, (shstrndx * 64) + 24), (int)Math.Min(U64(table, (shstrndx * 64) + 32), 1UL << 20));
        for (int i = 0; i < shnum; i++)
        {
            int at = i * 64;
            uint nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(table.AsSpan(at));
            sections.Add((
                CString(names, nameOffset),
                BinaryPrimitives.ReadUInt32LittleEndian(table.AsSpan(at + 4)),
                U64(table, at + 24),
                U64(table, at + 32),
                BinaryPrimitives.ReadUInt32LittleEndian(table.AsSpan(at + 40))));
        }

        return sections;
    }

    /// <summary>The defined symbols of the first table of <paramref name="tableType"/>: all, or only <paramref name="wanted"/>.</summary>
    private Dictionary<string, ElfSymbol> ReadSymbols(SafeFileHandle file, uint tableType, string? wanted)
    {
        Dictionary<string, ElfSymbol> symbols = new Dictionary<string, ElfSymbol>(StringComparer.Ordinal);
        int index = _sections.FindIndex(s => s.Type == tableType);
        if (index < 0 || _sections[index].Link >= _sections.Count)
        {
            return symbols;
        }

        (_, _, ulong offset, ulong size, uint link) = _sections[index];
        (_, _, ulong stringsOffset, ulong stringsSize, _) = _sections[(int)link];
        if (size > MaxTableBytes || stringsSize > MaxTableBytes)
        {
            return symbols;
        }

        byte[]? table = ReadExactly(file, offset, (int)size);
        byte[]? strings = ReadExactly(file, stringsOffset, (int)stringsSize);
        if (table is null || strings is null)
        {
            return symbols;
        }

        byte[]? wantedBytes = wanted is null ? null : Encoding.ASCII.GetBytes(wanted);
        for (int at = 0; at + 24 <= table.Length; at += 24)
        {
            ReadOnlySpan<byte> entry = table.AsSpan(at, 24);
            if (BinaryPrimitives.ReadUInt16LittleEndian(entry[6..]) == ShnUndef)
            {
                continue;
            }

            uint nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(entry);
            if (wantedBytes is not null && !NameIs(strings, nameOffset, wantedBytes))
            {
                continue;
            }

            string name = wanted ?? CString(strings, nameOffset);
            symbols.TryAdd(name, new ElfSymbol(BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]), BinaryPrimitives.ReadUInt64LittleEndian(entry[16..])));
        }

        return symbols;
    }

    private static bool NameIs(byte[] strings, uint offset, byte[] name)
    {
        return offset + (ulong)name.Length < (ulong)strings.Length
            && strings.AsSpan((int)offset, name.Length).SequenceEqual(name)
            && strings[offset + (uint)name.Length] == 0;
    }

    private static string CString(ReadOnlySpan<byte> strings, uint offset)
    {
        if (offset >= strings.Length)
        {
            return string.Empty;
        }

        ReadOnlySpan<byte> rest = strings[(int)offset..];
        int end = rest.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]);
    }

    private static ulong U64(byte[] data, int at) => BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(at));

    private static byte[]? ReadExactly(SafeFileHandle file, ulong offset, int length)
    {
        if (length < 0 || offset > long.MaxValue)
        {
            return null;
        }

        byte[] buffer = new byte[length];
        int done = 0;
        while (done < length)
        {
            int read = RandomAccess.Read(file, buffer.AsSpan(done), (long)offset + done);
            if (read <= 0)
            {
                return null;
            }

            done += read;
        }

        return buffer;
    }
}
