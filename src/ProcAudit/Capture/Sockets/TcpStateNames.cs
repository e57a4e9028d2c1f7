using System.Globalization;

namespace ProcAudit.Capture.Sockets;

/// <summary>The names ss(8) and netstat(8) use for <see cref="TcpState"/>, spelled out.</summary>
internal static class TcpStateNames
{
    public static string Name(TcpState state) => state switch
    {
        TcpState.Established => "ESTABLISHED",
        TcpState.SynSent => "SYN_SENT",
        TcpState.SynRecv => "SYN_RECV",
        TcpState.FinWait1 => "FIN_WAIT1",
        TcpState.FinWait2 => "FIN_WAIT2",
        TcpState.TimeWait => "TIME_WAIT",
        TcpState.Close => "CLOSE",
        TcpState.CloseWait => "CLOSE_WAIT",
        TcpState.LastAck => "LAST_ACK",
        TcpState.Listen => "LISTEN",
        TcpState.Closing => "CLOSING",
        TcpState.NewSynRecv => "NEW_SYN_RECV",
        TcpState.BoundInactive => "BOUND_INACTIVE",
        _ => "UNKNOWN(" + ((byte)state).ToString("X2", CultureInfo.InvariantCulture) + ")",
    };
}
