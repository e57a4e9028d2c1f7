using System.Runtime.InteropServices;

namespace ProcAudit.Capture.Sockets;

/// <summary>
/// Owns a socket descriptor made with libc socket(2). Not a SafeSocketHandle: .NET's own socket
/// layer would try to register and shut down a family it does not know; close(2) is all it needs.
/// </summary>
internal sealed class NetlinkSocketHandle : SafeHandle
{
    public NetlinkSocketHandle(int fd)
        : base(new IntPtr(-1), ownsHandle: true)
    {
        SetHandle(new IntPtr(fd));
    }

    public override bool IsInvalid => handle.ToInt64() < 0;

    /// <summary>The descriptor, for poll(2); valid while the handle is not closed.</summary>
    public int Fd => (int)handle.ToInt64();

    protected override bool ReleaseHandle() => Native.Native.Close((int)handle.ToInt64()) == 0;
}
