using System.Buffers.Binary;
using System.Text;

namespace ProcAudit.Capture;

/// <summary>Reads the section names of a 64-bit little-endian ELF file, enough to recognise a Go binary (.go.buildinfo).</summary>
internal static class ElfSections
{
    private const int MaxSections = 4096;

    public static bool HasSection(string path, string name)
    {
        try
        {
            using FileStream f = new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            Span<byte> header = stackalloc byte[64];
            if (f.Read(header) != 64 || header[0] != 0x7f || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F'
                || header[4] != 2 || header[5] != 1)
            {
                return false;
            }
            long shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(header[0x28..]);
            int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3A..]);
            int shnum = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3C..]);
            int shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3E..]);
            if (shentsize < 64 || shnum == 0 || shnum > MaxSections || shstrndx >= shnum)
            {
                return false;
            }
            byte[] table = new byte[shentsize * shnum];
            f.Position = shoff;
            f.ReadExactly(table);
            ReadOnlySpan<byte> strHeader = table.AsSpan(shstrndx * shentsize, shentsize);
            long strOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(strHeader[0x18..]);
            long strSize = (long)BinaryPrimitives.ReadUInt64LittleEndian(strHeader[0x20..]);
            if (strSize <= 0 || strSize > 1 << 20)
            {
                return false;
            }
            byte[] strings = new byte[strSize];
            f.Position = strOffset;
            f.ReadExactly(strings);
            byte[] wanted = Encoding.ASCII.GetBytes(name + "\0");
            for (int i = 0; i < shnum; i++)
            {
                int nameOffset = (int)BinaryPrimitives.ReadUInt32LittleEndian(table.AsSpan(i * shentsize));
                if (nameOffset >= 0 && nameOffset + wanted.Length <= strings.Length && strings.AsSpan(nameOffset, wanted.Length).SequenceEqual(wanted))
                {
                    return true;
                }
            }
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }
}
