using ProcAudit.Capture.Sockets;

namespace ProcAudit.Capture.Phases;

/// <summary>
/// The listener a thread blocked in connect() is trying to reach, from the sockaddr it passed
/// (read from its memory): a unix path, or a TCP port on this machine. Live only.
/// </summary>
internal static class ConnectTarget
{
    public static ulong? Listener(CaptureContext context, int pid, SyscallInfo call, SocketTable table)
    {
        if (!context.Live || call.Name != "connect" || call.Args.Length < 3 || call.Args[2] is < 2 or > 128
            || ProcessMemory.TryRead(pid, call.Args[1], (int)call.Args[2]) is not byte[] addr)
        {
            return null;
        }
        ushort family = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(addr);
        IEnumerable<SocketEntry> listeners = table.ByInode.Values.Where(e => e.IsListener);
        if (family == 1)
        {
            // sockaddr_un: a path, or an abstract name after a NUL (shown with a leading '@').
            string raw = System.Text.Encoding.UTF8.GetString(addr, 2, addr.Length - 2);
            string path = raw.StartsWith('\0') ? "@" + raw[1..].TrimEnd('\0') : raw.Split('\0')[0];
            return listeners.FirstOrDefault(e => e.Kind == SocketKind.Unix && e.Path == path)?.Inode;
        }
        if (family is 2 or 10 && addr.Length >= 4)
        {
            int port = (addr[2] << 8) | addr[3];
            return listeners.FirstOrDefault(e => e.IsTcp && e.Local?.Port == port)?.Inode;
        }
        return null;
    }
}
