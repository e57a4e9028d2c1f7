namespace ProcAudit.Capture.Sockets;

/// <summary>Which table a socket came from: tcp, tcp6, udp, udp6 under /proc/PID/net, or unix.</summary>
internal enum SocketKind
{
    Tcp,
    Tcp6,
    Udp,
    Udp6,
    Unix,
}
