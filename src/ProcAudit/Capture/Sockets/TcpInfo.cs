namespace ProcAudit.Capture.Sockets;

/// <summary>
/// The part of struct tcp_info (include/uapi/linux/tcp.h, tcp(7) TCP_INFO) that tells whether a
/// connection is stuck and on which side, as sock_diag's INET_DIAG_INFO gives it. Fields a kernel
/// older than them does not send are null.
/// </summary>
/// <param name="State">tcpi_state.</param>
/// <param name="Retransmits">tcpi_retransmits: retransmissions of the current segment.</param>
/// <param name="Probes">tcpi_probes: unanswered zero-window (or keepalive) probes.</param>
/// <param name="Backoff">tcpi_backoff: exponential backoff of the probe or retransmit timer.</param>
/// <param name="RtoMicroseconds">tcpi_rto.</param>
/// <param name="Unacked">tcpi_unacked: segments sent and not acknowledged.</param>
/// <param name="LastDataSentMilliseconds">tcpi_last_data_sent: milliseconds since data was last sent.</param>
/// <param name="LastDataReceivedMilliseconds">tcpi_last_data_recv: milliseconds since data was last received.</param>
/// <param name="LastAckReceivedMilliseconds">tcpi_last_ack_recv: milliseconds since an acknowledgement was last received.</param>
/// <param name="ReceiveSpace">tcpi_rcv_space: the receive buffer space the kernel is tuning towards.</param>
/// <param name="BytesAcked">tcpi_bytes_acked: bytes the peer acknowledged over the connection's life.</param>
/// <param name="BytesReceived">tcpi_bytes_received: bytes received over the connection's life.</param>
/// <param name="NotSentBytes">tcpi_notsent_bytes: written by the application, not yet sent at all.</param>
/// <param name="ReceiveWindowLimitedMicroseconds">tcpi_rwnd_limited: time sending was stopped by the peer's receive window.</param>
/// <param name="SendBufferLimitedMicroseconds">tcpi_sndbuf_limited: time sending was limited by this side's send buffer.</param>
/// <param name="PeerWindow">tcpi_snd_wnd: the receive window the peer advertises; 0 when the peer's buffer is full.</param>
internal sealed record TcpInfo(
    TcpState State,
    byte Retransmits,
    byte Probes,
    byte Backoff,
    uint RtoMicroseconds,
    uint Unacked,
    uint LastDataSentMilliseconds,
    uint LastDataReceivedMilliseconds,
    uint LastAckReceivedMilliseconds,
    uint ReceiveSpace,
    ulong? BytesAcked,
    ulong? BytesReceived,
    uint? NotSentBytes,
    ulong? ReceiveWindowLimitedMicroseconds,
    ulong? SendBufferLimitedMicroseconds,
    uint? PeerWindow);
