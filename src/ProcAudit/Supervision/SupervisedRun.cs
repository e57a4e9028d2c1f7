using System.ComponentModel;
using System.Diagnostics;
using ProcAudit.Control;
using ProcAudit.Watching;

namespace ProcAudit.Supervision;

/// <summary>
/// Runs one command and watches it, for every front end that runs commands (procaudit run, the
/// ProcAuditExec task): starts it, reads its output without losing a byte (or passes it through),
/// looks at its tree every interval, and when it times out, is cancelled, or holds a deadlock or
/// stall of observed waits for long enough, audits the tree and then kills all of it. When the
/// command has exited but something it left behind holds its output open, names that process, and
/// can stop waiting. The front ends keep only their own input and output: options, console or
/// build log, exit codes.
/// </summary>
public sealed class SupervisedRun
{
    private static readonly TimeSpan s_leakCheckAfter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_drainAfterKill = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan s_killBound = TimeSpan.FromSeconds(5);

    private readonly ProcessStartInfo _start;
    private readonly SupervisionOptions _options;
    private int _signal;

    /// <summary>A supervision of the command <paramref name="start"/> describes (its stdio settings are the supervision's).</summary>
    public SupervisedRun(ProcessStartInfo start, SupervisionOptions options)
    {
        _start = start;
        _options = options;
    }

    /// <summary>The command's pid once it has started.</summary>
    public int? Pid { get; private set; }

    /// <summary>
    /// Passes a signal (SIGINT 2, SIGTERM 15) to the whole tree; <see cref="Run"/> then gives the
    /// command <see cref="SupervisionOptions.SignalGrace"/> to end before it kills what is left.
    /// Safe to call from a signal handler's thread.
    /// </summary>
    public void Forward(int signal)
    {
        _signal = signal;
        if (Pid is int pid)
        {
            // The command's own tree: what it daemonized is killed with the rest afterwards.
            ProcessTree.Signal(pid, adopter: null, signal);
        }
    }

    private int? Adopter => _options.Subreaper ? Environment.ProcessId : null;

    /// <summary>Runs the command to its end (or until it is stopped), and says how it ended.</summary>
    /// <exception cref="Win32Exception">The command could not be started (not found, not executable).</exception>
    public SupervisionResult Run(CancellationToken cancellationToken = default)
    {
        bool reading = _options.OnOutputLine is not null;
        _start.UseShellExecute = false;
        _start.RedirectStandardOutput = reading;
        _start.RedirectStandardError = reading;
        // Read output means a build's log: stdin is closed so a command that reads it sees EOF, not a terminal.
        _start.RedirectStandardInput = reading;
        if (_options.Subreaper && !ProcessTree.BecomeSubreaper())
        {
            _options.OnWarning?.Invoke("could not become the child subreaper; descendants that daemonize will not be followed");
        }
        using Process child = Process.Start(_start) ?? throw new Win32Exception($"could not start {_start.FileName}");
        Pid = child.Id;
        OutputPump? pump = null;
        if (reading)
        {
            child.StandardInput.Close();
            pump = new OutputPump(child.StandardOutput.BaseStream, child.StandardError.BaseStream, _options.StdoutEncoding, _options.StderrEncoding, _options.OnOutputLine!);
        }
        try
        {
            return Supervise(child, pump, cancellationToken);
        }
        finally
        {
            // Whatever happened, nothing the command started outlives its supervision.
            ProcessTree.KillAll(child.Id, Adopter, s_killBound);
        }
    }

    private SupervisionResult Supervise(Process child, OutputPump? pump, CancellationToken cancellationToken)
    {
        TreeWatcher watcher = new(child.Id, new WatchOptions { DeadlockAfter = _options.DeadlockAfter, Adopter = Adopter });
        Stopwatch clock = Stopwatch.StartNew();
        // The first look comes early (a pipe deadlock forms in milliseconds), then one per interval.
        TimeSpan nextLook = _options.Interval / 4;
        TimeSpan? exitedAt = null;
        bool leakChecked = false;
        while (true)
        {
            bool exited = WaitOrPump(child, pump, TimeSpan.FromMilliseconds(100));
            if (exited && (pump is null || pump.Closed))
            {
                child.WaitForExit();
                return new SupervisionResult(SupervisionEnd.Exited, child.ExitCode, null, null, _signal);
            }
            if (_signal != 0 && !exited)
            {
                return AfterSignal(child, pump);
            }
            bool cancelled = cancellationToken.IsCancellationRequested;
            bool timedOut = _options.Timeout is TimeSpan limit && clock.Elapsed >= limit;
            if (!exited)
            {
                if (cancelled || timedOut)
                {
                    return AuditThenKill(child, pump, cancelled ? SupervisionEnd.Cancelled : SupervisionEnd.TimedOut, null);
                }
                if (_options.DeadlockAfter > TimeSpan.Zero && clock.Elapsed >= nextLook)
                {
                    nextLook = clock.Elapsed + _options.Interval;
                    if (Look(watcher) is PersistentHang hang)
                    {
                        return AuditThenKill(child, pump, SupervisionEnd.Hung, hang, watcher.Last);
                    }
                }
                continue;
            }

            // Exited, but the output has not reached EOF: someone still holds a write end.
            exitedAt ??= clock.Elapsed;
            TimeSpan since = clock.Elapsed - exitedAt.Value;
            if (!leakChecked && since >= s_leakCheckAfter)
            {
                leakChecked = true;
                if (LeakedOutputs.Find(pump!, since) is LeakedOutput leak)
                {
                    _options.OnLeakedOutput?.Invoke(leak);
                }
            }
            bool graceOver = _options.StopWaitingAfterExit is TimeSpan grace && since >= grace;
            if (graceOver || cancelled || timedOut)
            {
                // Nothing left to audit: the command is gone; only its output is still held open.
                pump!.Drain();
                child.WaitForExit();
                SupervisionEnd end = graceOver ? SupervisionEnd.StoppedWaiting : cancelled ? SupervisionEnd.Cancelled : SupervisionEnd.TimedOut;
                return new SupervisionResult(end, child.ExitCode, null, null);
            }
        }
    }

    /// <summary>Reads output while it waits (or just waits, when the output is the command's own); true once the command has exited.</summary>
    private static bool WaitOrPump(Process child, OutputPump? pump, TimeSpan wait)
    {
        if (pump is null || pump.Closed)
        {
            return child.WaitForExit(wait);
        }
        pump.Pump((int)wait.TotalMilliseconds);
        return child.HasExited;
    }

    private static PersistentHang? Look(TreeWatcher watcher)
    {
        try
        {
            return watcher.Look(DateTime.UtcNow);
        }
        catch (AuditException)
        {
            return null; // exited between the wait and the look
        }
    }

    private SupervisionResult AuditThenKill(Process child, OutputPump? pump, SupervisionEnd end, PersistentHang? hang, AuditResult? seen = null)
    {
        AuditResult? audit = seen;
        if (audit is null)
        {
            try
            {
                audit = new Auditor(new AuditOptions
                {
                    Adopter = Adopter,
                    Interval = _options.AuditInterval,
                    Deadline = _options.AuditDeadline,
                    Enrichers = _options.Views,
                }).Audit(child.Id);
            }
            catch (AuditException)
            {
                // Exited just now: nothing left to audit.
            }
        }
        SupervisionResult result = new(end, null, audit, hang);
        _options.BeforeKill?.Invoke(result);
        ProcessTree.KillAll(child.Id, Adopter, s_killBound);
        DrainAfterKill(pump);
        return result;
    }

    private SupervisionResult AfterSignal(Process child, OutputPump? pump)
    {
        Stopwatch grace = Stopwatch.StartNew();
        while (grace.Elapsed < _options.SignalGrace)
        {
            if (WaitOrPump(child, pump, TimeSpan.FromMilliseconds(100)))
            {
                child.WaitForExit();
                DrainAfterKill(pump);
                return new SupervisionResult(SupervisionEnd.Exited, child.ExitCode, null, null, _signal);
            }
        }
        ProcessTree.KillAll(child.Id, Adopter, s_killBound);
        DrainAfterKill(pump);
        return new SupervisionResult(SupervisionEnd.Signalled, null, null, null, _signal);
    }

    /// <summary>Keeps what the tree wrote up to its death: read until EOF, or a little while if a survivor holds on.</summary>
    private static void DrainAfterKill(OutputPump? pump)
    {
        if (pump is null)
        {
            return;
        }
        Stopwatch drain = Stopwatch.StartNew();
        while (!pump.Closed && drain.Elapsed < s_drainAfterKill)
        {
            pump.Pump(100);
        }
        pump.Drain();
    }
}
