using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;

namespace ProcAudit.Capture;

/// <summary>Reads the section names of a 64-bit little-endian ELF file, enough to recognise a Go binary (.go.buildinfo).</summary>
internal static class ElfSections
{
    private const int MaxSections = 4096;
    private const int MaxRemembered = 4096;

    /// <summary>
    /// The answers by file identity (device, inode, size, mtime): a scan asks about every process's
    /// executable, and 2,000 processes of a build run a handful of programs between them.
    /// </summary>
    private static readonly ConcurrentDictionary<(uint, uint, ulong, ulong, long, uint, string), bool> s_known = new();

    public static unsafe bool HasSection(string path, string name)
    {
        Native.Native.StatxBuffer stat;
        if (Native.Native.Statx(Native.Native.AT_FDCWD, path, 0, Native.Native.STATX_INO | Native.Native.STATX_SIZE | Native.Native.STATX_MTIME, &stat) != 0)
        {
            return Read(path, name);
        }
        (uint, uint, ulong, ulong, long, uint, string) key = (stat.DevMajor, stat.DevMinor, stat.Ino, stat.Size, stat.MtimeSeconds, stat.MtimeNanoseconds, name);
        if (s_known.TryGetValue(key, out bool known))
        {
            return known;
        }
        if (s_known.Count >= MaxRemembered)
        {
            s_known.Clear();
        }
        return s_known[key] = Read(path, name);
    }

    private static bool Read(string path, string name)
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
