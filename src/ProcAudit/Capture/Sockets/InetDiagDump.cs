using System.Collections.Immutable;

namespace ProcAudit.Capture.Sockets;

/// <summary>Every TCP socket (IPv4 and IPv6) of one network namespace as sock_diag listed them, or why there are none.</summary>
/// <param name="Outcome">Ok when both dumps completed (IPv6 missing from the kernel is not a failure).</param>
/// <param name="Sockets">Sockets with an inode, by inode.</param>
/// <param name="Unheld">Sockets with inode 0: TIME_WAIT, SYN_RECV, connections waiting to be accepted.</param>
/// <param name="Problem">One sentence on what went wrong or was left out; null when nothing was.</param>
/// <param name="NetNamespace">The namespace dumped, as its link reads; null if unknown.</param>
/// <param name="Truncated">A dump stopped at its socket or byte limit.</param>
internal sealed record InetDiagDump(
    SocketProbeOutcome Outcome,
    ImmutableDictionary<ulong, InetDiagSocket> Sockets,
    ImmutableArray<InetDiagSocket> Unheld,
    string? Problem = null,
    string? NetNamespace = null,
    bool Truncated = false);
