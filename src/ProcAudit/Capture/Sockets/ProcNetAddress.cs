using System.Buffers.Binary;
using System.Globalization;
using System.Net;

namespace ProcAudit.Capture.Sockets;

/// <summary>
/// The <c>ADDR:PORT</c> form of /proc/net/tcp, tcp6, udp and udp6. The port is the number in hex.
/// The address is the kernel's in-memory address (network byte order) printed as 32-bit words
/// with <c>%08X</c>, each word read in the host's byte order: one word for IPv4 ("0100007F" is
/// 127.0.0.1 on a little-endian host), four for IPv6 ("00000000000000000000000001000000" is ::1).
/// The words are turned back into bytes in this host's order, so the text must come from a host
/// of the same endianness (every Linux host .NET runs on, x86-64 and arm64, is little-endian).
/// </summary>
internal static class ProcNetAddress
{
    public static bool TryParse(ReadOnlySpan<char> text, out SocketEndpoint? endpoint)
    {
        endpoint = null;
        int colon = text.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(text[(colon + 1)..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int port)
            || port < 0 || port > 0xFFFF)
        {
            return false;
        }
        ReadOnlySpan<char> hex = text[..colon];
        if (hex.Length != 8 && hex.Length != 32)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[hex.Length / 2];
        for (int word = 0; word < hex.Length / 8; word++)
        {
            if (!uint.TryParse(hex.Slice(word * 8, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint value))
            {
                return false;
            }
            Span<byte> target = bytes.Slice(word * 4, 4);
            if (BitConverter.IsLittleEndian)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(target, value);
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(target, value);
            }
        }
        endpoint = new SocketEndpoint(new IPAddress(bytes), port);
        return true;
    }
}
