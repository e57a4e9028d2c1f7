using System.Collections.Immutable;
using ProcAudit.Watching;

namespace ProcAudit.Supervision;

/// <summary>How a supervised command ended.</summary>
public enum SupervisionEnd
{
    /// <summary>It exited by itself, and its output (when read) reached EOF.</summary>
    Exited,

    /// <summary>It exited, but something it left behind held its output open past the grace period: the wait was stopped.</summary>
    StoppedWaiting,

    /// <summary>The timeout passed: the tree was audited, then killed.</summary>
    TimedOut,

    /// <summary>A deadlock or stall of observed waits held: the tree was audited, then killed.</summary>
    Hung,

    /// <summary>Cancelled (a build cancelled): the tree was audited, then killed.</summary>
    Cancelled,

    /// <summary>A signal was forwarded to it (Ctrl+C, SIGTERM); it did not end within the grace period and was killed.</summary>
    Signalled,
}

/// <summary>What came of a supervised command.</summary>
/// <param name="End">How it ended.</param>
/// <param name="ExitCode">Its exit code when it exited by itself (also when it had exited and only the wait for its output was stopped, by the grace period, the timeout or a cancellation).</param>
/// <param name="Audit">The audit taken before the tree was killed (timeout, hang, cancellation); null otherwise or when the tree was gone.</param>
/// <param name="Hang">The deadlock or stall that held, for <see cref="SupervisionEnd.Hung"/>.</param>
/// <param name="Signal">The signal forwarded, for <see cref="SupervisionEnd.Signalled"/> (or one the command ended by in time).</param>
public sealed record SupervisionResult(SupervisionEnd End, int? ExitCode, AuditResult? Audit, PersistentHang? Hang, int Signal = 0);

/// <summary>The command has exited, but processes it left behind hold its output open, so EOF does not come.</summary>
/// <param name="Since">How long ago it exited.</param>
/// <param name="Streams">Each stream still open (<c>stdout</c>, <c>stderr</c>), its pipe, and the writers that hold it.</param>
/// <param name="Summary">The whole situation in one sentence, naming the first holder, its command line and fds.</param>
public sealed record LeakedOutput(TimeSpan Since, ImmutableArray<(string Stream, string Pipe, ImmutableArray<PipeHolder> Writers)> Streams, string Summary);
