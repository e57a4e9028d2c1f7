using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;

namespace ProcAudit.Go;

/// <summary>
/// What the reader needs from a Go executable, found in the file alone: the Go version (.go.buildinfo), the pclntab,
/// runtime.firstmoduledata, struct layouts from the type descriptors, runtime.allgs and runtime.waitReasonStrings.
/// </summary>
internal sealed class GoBinary
{
    private static readonly byte[] s_buildInfoMagic = [0xff, .. Encoding.ASCII.GetBytes(" Go buildinf:")];
    private static readonly byte[] s_firstWaitReason = Encoding.ASCII.GetBytes("GC assist marking");

    private GoBinary(
        ElfImage elf,
        string version,
        PcLineTable pcln,
        ulong moduleData,
        GoTypes types,
        GoLayout layout,
        ulong? allgs,
        ImmutableArray<string> waitReasons,
        ulong bss,
        ulong ebss)
    {
        Bss = bss;
        EBss = ebss;
        Elf = elf;
        Version = version;
        Pcln = pcln;
        ModuleData = moduleData;
        Types = types;
        Layout = layout;
        Allgs = allgs;
        WaitReasons = waitReasons;
    }

    /// <summary>The parsed file.</summary>
    public ElfImage Elf { get; }

    /// <summary>The toolchain version, e.g. "go1.19.8".</summary>
    public string Version { get; }

    /// <summary>Decoded pcs: goroutines parked at the same pc share the work (bounded by the binary's code).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<ulong, PcFrames?> PcCache { get; } = new();

    /// <summary>The minor release, e.g. 19 for go1.19.8 (-1 when the version text is not go1.N).</summary>
    public int MinorVersion => Minor(Version).Minor;

    /// <summary>The function and line tables.</summary>
    public PcLineTable Pcln { get; }

    /// <summary>Address of runtime.firstmoduledata.</summary>
    public ulong ModuleData { get; }

    /// <summary>The type descriptor reader.</summary>
    public GoTypes Types { get; }

    /// <summary>Struct field offsets.</summary>
    public GoLayout Layout { get; }

    /// <summary>Address of the runtime.allgs slice header, or null when it could not be found (stripped binary).</summary>
    public ulong? Allgs { get; }

    /// <summary>moduledata.bss: where runtime.allgs lives; searched in memory when the binary is stripped.</summary>
    public ulong Bss { get; }

    /// <summary>moduledata.ebss.</summary>
    public ulong EBss { get; }

    /// <summary>runtime.waitReasonStrings, empty when it was not found.</summary>
    public ImmutableArray<string> WaitReasons { get; }

    /// <summary>
    /// Analyses an executable; null with <paramref name="error"/> saying why when it is not a Go binary this reader
    /// supports. Notes about partial results go to <paramref name="notes"/>.
    /// </summary>
    public static GoBinary? TryLoad(byte[] file, List<string> notes, out string? error)
    {
        ElfImage? elf = ElfImage.TryParse(file, out error);
        if (elf is null)
        {
            return null;
        }

        string? version = ReadVersion(elf, out error);
        if (version is null)
        {
            return null;
        }

        ElfSection? pclnSection = elf.Section(".gopclntab");
        if (pclnSection is null)
        {
            error = $"{version}: no .gopclntab section (binaries without section headers are not supported yet)";
            return null;
        }

        PcLineTable? pcln = PcLineTable.TryParse(file, (int)pclnSection.FileOffset, (int)pclnSection.Size, out error);
        if (pcln is null)
        {
            error = $"{version}: {error}";
            return null;
        }

        (int minor, bool known) = Minor(version);
        if (minor < 18 || pcln.Is120 != (minor >= 20))
        {
            error = $"{version}: unsupported Go version (1.18 or later is needed)";
            return null;
        }

        if (!known)
        {
            notes.Add($"{version}: not a version this reader was checked against (1.19-1.23); layouts come from the binary and are checked, but the result may be incomplete");
        }

        // moduledata layout: 1.20 added covctrs/ecovctrs before types.
        int typesField = pcln.Is120 ? 296 : 280;
        int gofuncField = pcln.Is120 ? 320 : 304;
        ulong? moduleData = FindModuleData(elf, pclnSection.Address, pcln);
        if (moduleData is null)
        {
            error = $"{version}: runtime.firstmoduledata not found";
            return null;
        }

        ulong types = elf.Word(moduleData.Value + (ulong)typesField) ?? 0;
        ulong etypes = elf.Word(moduleData.Value + (ulong)typesField + 8) ?? 0;
        pcln.GoFuncBase = elf.Word(moduleData.Value + (ulong)gofuncField) ?? 0;
        if (types == 0 || etypes <= types)
        {
            error = $"{version}: moduledata types range is invalid";
            return null;
        }

        GoTypes goTypes = new GoTypes(elf, types, etypes, offsetHasEmbeddedBit: minor == 18);
        GoLayout? layout = GoLayout.TryRead(goTypes, out error);
        if (layout is null)
        {
            error = $"{version}: {error}";
            return null;
        }

        // Null for stripped binaries: the reader then searches .bss in memory.
        ulong? allgs = elf.Symbol("runtime.allgs");

        ImmutableArray<string> waitReasons = FindWaitReasons(elf);
        if (waitReasons.IsEmpty)
        {
            notes.Add($"{version}: runtime.waitReasonStrings not found; wait reasons are shown as numbers");
        }

        // bss/ebss sit at the same offsets in 1.18 through 1.23 (covctrs came in after noptrbss).
        ulong bss = elf.Word(moduleData.Value + 224) ?? 0;
        ulong ebss = elf.Word(moduleData.Value + 232) ?? 0;
        return new GoBinary(elf, version, pcln, moduleData.Value, goTypes, layout, allgs, waitReasons, bss, ebss);
    }

    /// <summary>The wait reason text for index <paramref name="reason"/>.</summary>
    public string WaitReason(byte reason)
    {
        return reason < WaitReasons.Length ? WaitReasons[reason] : $"waitreason {reason}";
    }

    private static string? ReadVersion(ElfImage elf, out string? error)
    {
        error = null;
        ElfSection? section = elf.Section(".go.buildinfo");
        ReadOnlySpan<byte> info = section is null ? ReadOnlySpan<byte>.Empty : elf.SectionBytes(section);
        if (info.IsEmpty)
        {
            // Section headers can be gone; the blob itself is 16-byte aligned in the writable data.
            int at = elf.Data.AsSpan().IndexOf(BuildInfoMagic());
            if (at < 0 || at % 16 != 0)
            {
                error = "not a Go binary (no Go build info)";
                return null;
            }

            info = elf.Data.AsSpan(at);
        }

        if (info.Length < 33 || !info[..14].SequenceEqual(BuildInfoMagic()))
        {
            error = "not a Go binary (no Go build info)";
            return null;
        }

        if ((info[15] & 2) == 0)
        {
            error = "Go build info in the pre-1.18 pointer format: unsupported Go version";
            return null;
        }

        int position = 32;
        int length = 0;
        for (int shift = 0; position < info.Length && shift < 28; shift += 7)
        {
            byte b = info[position++];
            length |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                break;
            }
        }

        if (length <= 0 || length > 64 || position + length > info.Length)
        {
            error = "Go build info version string is malformed";
            return null;
        }

        return Encoding.ASCII.GetString(info.Slice(position, length));
    }

    private static byte[] BuildInfoMagic()
    {
        return s_buildInfoMagic;
    }

    /// <summary>The minor version of "go1.N[.x]"; <c>known</c> when it is one the reader was checked against.</summary>
    private static (int Minor, bool Known) Minor(string version)
    {
        if (!version.StartsWith("go1.", StringComparison.Ordinal))
        {
            return (-1, false);
        }

        string rest = version[4..];
        int end = 0;
        while (end < rest.Length && char.IsAsciiDigit(rest[end]))
        {
            end++;
        }

        if (end == 0 || !int.TryParse(rest[..end], out int minor))
        {
            return (-1, false);
        }

        return (minor, minor is >= 19 and <= 23);
    }

    /// <summary>The word in .noptrdata equal to the pclntab address whose next word is pclntab+funcnameOffset.</summary>
    private static ulong? FindModuleData(ElfImage elf, ulong pclntab, PcLineTable pcln)
    {
        ElfSection? section = elf.Section(".noptrdata");
        if (section is not null)
        {
            ReadOnlySpan<byte> bytes = elf.SectionBytes(section);
            for (int at = 0; at + 16 <= bytes.Length; at += 8)
            {
                if (BinaryPrimitives.ReadUInt64LittleEndian(bytes[at..]) == pclntab
                    && BinaryPrimitives.ReadUInt64LittleEndian(bytes[(at + 8)..]) == pclntab + pcln.FuncnameOffset)
                {
                    ulong address = section.Address + (ulong)at;
                    if (elf.Word(address + 176) == pcln.TextStart)
                    {
                        return address;
                    }
                }
            }
        }

        ulong? symbol = elf.Symbol("runtime.firstmoduledata");
        return symbol is not null && elf.Word(symbol.Value + 176) == pcln.TextStart ? symbol : null;
    }

    /// <summary>The []string whose [0] is "" and [1] is "GC assist marking", read until an entry stops looking like one.</summary>
    private static ImmutableArray<string> FindWaitReasons(ElfImage elf)
    {
        ElfSection? rodata = elf.Section(".rodata");
        ElfSection? data = elf.Section(".data");
        if (rodata is null || data is null)
        {
            return ImmutableArray<string>.Empty;
        }

        ReadOnlySpan<byte> text = elf.SectionBytes(rodata);
        ReadOnlySpan<byte> table = elf.SectionBytes(data);
        int from = 0;
        while (from < text.Length)
        {
            int hit = text[from..].IndexOf(s_firstWaitReason);
            if (hit < 0)
            {
                break;
            }

            ulong address = rodata.Address + (ulong)(from + hit);
            from += hit + 1;
            for (int at = 16; at + 16 <= table.Length; at += 8)
            {
                if (BinaryPrimitives.ReadUInt64LittleEndian(table[at..]) != address
                    || BinaryPrimitives.ReadUInt64LittleEndian(table[(at + 8)..]) != (ulong)s_firstWaitReason.Length
                    || BinaryPrimitives.ReadUInt64LittleEndian(table[(at - 8)..]) != 0)
                {
                    continue;
                }

                ImmutableArray<string>.Builder reasons = ImmutableArray.CreateBuilder<string>();
                reasons.Add(string.Empty);
                for (int entry = at; entry + 16 <= table.Length && reasons.Count < 128; entry += 16)
                {
                    string? reason = PlausibleReason(elf, BinaryPrimitives.ReadUInt64LittleEndian(table[entry..]), BinaryPrimitives.ReadUInt64LittleEndian(table[(entry + 8)..]));
                    if (reason is null)
                    {
                        break;
                    }

                    reasons.Add(reason);
                }

                return reasons.ToImmutable();
            }
        }

        return ImmutableArray<string>.Empty;
    }

    private static string? PlausibleReason(ElfImage elf, ulong pointer, ulong length)
    {
        if (length == 0 || length > 64)
        {
            return null;
        }

        ReadOnlySpan<byte> bytes = elf.At(pointer, (int)length);
        if (bytes.Length != (int)length)
        {
            return null;
        }

        foreach (byte b in bytes)
        {
            if (b < 0x20 || b > 0x7e)
            {
                return null;
            }
        }

        return Encoding.ASCII.GetString(bytes);
    }
}
