namespace ProcAudit.Capture.Sockets;

/// <summary>
/// The kernel's socket states (include/net/tcp_states.h), as the <c>st</c> column of
/// /proc/net/tcp and udp prints them and as sock_diag reports sk_state for every family.
/// UDP uses only <see cref="Established"/> (connected) and <see cref="Close"/> (not connected);
/// a unix socket is <see cref="Established"/>, <see cref="Listen"/> or <see cref="Close"/>.
/// </summary>
internal enum TcpState : byte
{
    Unknown = 0,
    Established = 1,
    SynSent = 2,
    SynRecv = 3,
    FinWait1 = 4,
    FinWait2 = 5,
    TimeWait = 6,
    Close = 7,
    CloseWait = 8,
    LastAck = 9,
    Listen = 10,
    Closing = 11,
    NewSynRecv = 12,
    BoundInactive = 13,
}
