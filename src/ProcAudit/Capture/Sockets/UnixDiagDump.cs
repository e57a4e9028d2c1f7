using System.Collections.Immutable;

namespace ProcAudit.Capture.Sockets;

/// <summary>Every unix socket of one network namespace as sock_diag listed them, or why there are none.</summary>
/// <param name="Outcome">Ok when the dump completed (or stopped at the limit: <paramref name="Truncated"/>).</param>
/// <param name="Sockets">By inode.</param>
/// <param name="Problem">One sentence on what went wrong or was left out; null when nothing was.</param>
/// <param name="NetNamespace">The namespace dumped, as its link reads (<c>net:[4026531833]</c>); null if unknown.</param>
/// <param name="Truncated">The dump stopped at the socket or byte limit; sockets beyond it are missing.</param>
/// <param name="Interrupted">
/// The kernel flagged the dump NLM_F_DUMP_INTR: sockets came and went while it was taken, so one may
/// be missing or listed twice (the last one read wins).
/// </param>
internal sealed record UnixDiagDump(
    SocketProbeOutcome Outcome,
    ImmutableDictionary<ulong, UnixDiagSocket> Sockets,
    string? Problem = null,
    string? NetNamespace = null,
    bool Truncated = false,
    bool Interrupted = false)
{
    public static UnixDiagDump Failure(SocketProbeOutcome outcome, string problem) =>
        new(outcome, ImmutableDictionary<ulong, UnixDiagSocket>.Empty, problem);
}
