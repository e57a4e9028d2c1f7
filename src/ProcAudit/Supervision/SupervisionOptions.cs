using System.Text;
using ProcAudit.Enrichment;

namespace ProcAudit.Supervision;

/// <summary>How a command is supervised: when to give up on it, and what to do with its output.</summary>
public sealed record SupervisionOptions
{
    /// <summary>Audit, then kill the tree, after this long; null runs it as long as it takes.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Stop early when the same wait cycle, or stall, of observed waits has held this long; zero never stops early.</summary>
    public TimeSpan DeadlockAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time between two looks at the tree while it runs.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Become the child subreaper, so descendants that double-fork stay in the tree (and are killed
    /// with it). Right for a process that runs one command (procaudit run), wrong inside a build node
    /// that runs many.
    /// </summary>
    public bool Subreaper { get; init; }

    /// <summary>
    /// Receives each output line (and whether it came from stderr) when the command's stdout and
    /// stderr are to be read; null leaves them to the command, passed straight through.
    /// </summary>
    public Action<string, bool>? OnOutputLine { get; init; }

    /// <summary>How stdout is decoded when it is read.</summary>
    public Encoding StdoutEncoding { get; init; } = new UTF8Encoding(false);

    /// <summary>How stderr is decoded when it is read.</summary>
    public Encoding StderrEncoding { get; init; } = new UTF8Encoding(false);

    /// <summary>
    /// After the command has exited while something it left behind still holds its output open: how
    /// long to keep waiting for EOF; null waits for it. What was written until then is always read.
    /// </summary>
    public TimeSpan? StopWaitingAfterExit { get; init; }

    /// <summary>
    /// Called once when the command has exited but its output is still held open a moment later, with
    /// who holds it (to warn while the wait goes on).
    /// </summary>
    public Action<LeakedOutput>? OnLeakedOutput { get; init; }

    /// <summary>
    /// Called with the audit (timeout, cancellation, a held hang) after it is taken and before the tree
    /// is killed, so the report comes out before anything the dying tree prints.
    /// </summary>
    public Action<SupervisionResult>? BeforeKill { get; init; }

    /// <summary>Receives what the supervision could not do as asked (e.g. the kernel refused the subreaper), in one line.</summary>
    public Action<string>? OnWarning { get; init; }

    /// <summary>The runtime views the final audit adds (RuntimeViews.Default in the front ends).</summary>
    public IReadOnlyList<IRuntimeEnricher> Views { get; init; } = Array.Empty<IRuntimeEnricher>();

    /// <summary>The whole final audit's time limit: the supervision must end even when the audit cannot.</summary>
    public TimeSpan AuditDeadline { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Samples of the final audit (progress is measured over this interval).</summary>
    public TimeSpan AuditInterval { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>How long a signalled command may take to end before its tree is killed.</summary>
    public TimeSpan SignalGrace { get; init; } = TimeSpan.FromSeconds(5);
}
