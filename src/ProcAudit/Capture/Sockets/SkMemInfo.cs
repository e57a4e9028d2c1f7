namespace ProcAudit.Capture.Sockets;

/// <summary>
/// A socket's memory accounting, the SK_MEMINFO_* array of sock_diag (include/uapi/linux/sock_diag.h;
/// ss -m prints it as skmem:(r,rb,t,tb,f,w,o,bl,d)). All in bytes of buffer memory (skb truesize),
/// not payload. A kernel older than a field leaves it null.
/// </summary>
/// <param name="RmemAlloc">r: receive memory in use (queued for reading).</param>
/// <param name="RcvBuf">rb: the receive buffer limit.</param>
/// <param name="WmemAlloc">t: send memory in use (for a unix sender: what sits unread in the peer's queue).</param>
/// <param name="SndBuf">tb: the send buffer limit.</param>
/// <param name="FwdAlloc">f: memory reserved and not yet used.</param>
/// <param name="WmemQueued">w: memory queued for sending (TCP).</param>
/// <param name="OptMem">o: option memory.</param>
/// <param name="Backlog">bl: the socket backlog queue.</param>
/// <param name="Drops">d: packets dropped.</param>
internal sealed record SkMemInfo(
    uint RmemAlloc,
    uint RcvBuf,
    uint WmemAlloc,
    uint SndBuf,
    uint? FwdAlloc,
    uint? WmemQueued,
    uint? OptMem,
    uint? Backlog,
    uint? Drops);
