namespace ProcAudit.Capture.Sockets;

/// <summary>SOCK_* types as the Type column of /proc/net/unix and unix_diag_msg.udiag_type give them.</summary>
internal enum UnixSocketType : byte
{
    Unknown = 0,
    Stream = 1,
    Dgram = 2,
    SeqPacket = 5,
}
