namespace ProcAudit.Capture.Sockets;

/// <summary>One socket of /proc/PID/net/unix. It has no peer and no queue: those come from <see cref="UnixSocketDiag"/>.</summary>
/// <param name="Inode">The socket inode; 0 for a connection still in a listener's accept queue; null if the table has no Inode column.</param>
/// <param name="RefCount">RefCount, hex.</param>
/// <param name="Flags">Flags, hex: 0x10000 (__SO_ACCEPTCON) marks a listener.</param>
/// <param name="Type">Type: stream, dgram, seqpacket.</param>
/// <param name="SocketState">St, the socket layer's state (SS_*): 1 unconnected, 2 connecting, 3 connected, 4 disconnecting.</param>
/// <param name="Path">
/// The bound name: a file system path (which may contain spaces), or an abstract name written
/// with a leading '@'; null when unbound. An accepted socket shows its listener's name.
/// </param>
internal sealed record NetUnixRow(ulong? Inode, uint RefCount, uint Flags, UnixSocketType Type, byte SocketState, string? Path)
{
    private const uint SoAcceptCon = 0x10000;

    /// <summary>listen() was called on it.</summary>
    public bool IsListening => (Flags & SoAcceptCon) != 0;

    /// <summary>The SS_* state spelled out; LISTENING for a listener (which the socket layer calls unconnected).</summary>
    public string StateName => IsListening ? "LISTENING" : SocketState switch
    {
        0 => "FREE",
        1 => "UNCONNECTED",
        2 => "CONNECTING",
        3 => "CONNECTED",
        4 => "DISCONNECTING",
        _ => "UNKNOWN",
    };
}
