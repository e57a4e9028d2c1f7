using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using ProcAudit.Supervision;

namespace ProcAudit.MSBuild;

/// <summary>
/// A drop-in for MSBuild's <c>Exec</c> that, when the command times out or the build is cancelled,
/// audits the command's process tree before it is killed and logs who waits for whom (PA1000,
/// PA1001, PA1002) with a JSON report; and that names the process holding the output pipe open
/// when the command has exited but EOF does not come (PA2001), optionally stopping the wait
/// after a grace period without losing any output already written (PA2002).
/// </summary>
public sealed class ProcAuditExec : ToolTask
{
    private readonly List<ITaskItem> _consoleOutput = new();
    private string? _script;
    private bool _timeoutSet;
    private bool _stoppedByUs;
    private int? _stoppedExitCode;

    /// <summary>The command to run with /bin/sh, as in <c>Exec</c>.</summary>
    [Required]
    public string Command { get; set; } = "";

    /// <summary>The directory the command runs in (default: the project's).</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>Succeed even when the command exits with a non-zero code.</summary>
    public bool IgnoreExitCode { get; set; }

    /// <summary>Collect the command's output lines into <see cref="ConsoleOutput"/>.</summary>
    public bool ConsoleToMSBuild { get; set; }

    /// <summary>Log output lines as messages even when they look like "error XX: ..." (as in <c>Exec</c>).</summary>
    public bool IgnoreStandardErrorWarningFormat { get; set; }

    /// <summary>Where the JSON report goes (default: obj/procaudit/ beside the project; see $(ProcAuditReportDirectory)).</summary>
    public string? ReportDirectory { get; set; }

    /// <summary>
    /// Milliseconds to keep waiting for EOF after the command has exited while a process it left
    /// behind still holds its output open; -1 (default) waits as <c>Exec</c> does. Output already
    /// written is always read before giving up.
    /// </summary>
    public int StopWaitingAfterExit { get; set; } = -1;

    /// <summary>
    /// Milliseconds the same wait cycle, or stall, of observed waits must hold before the command is
    /// audited and stopped, without waiting for the timeout; 0 (default) waits for the timeout.
    /// </summary>
    public int DeadlockAfter { get; set; }

    /// <summary>The command's output lines, when <see cref="ConsoleToMSBuild"/> is set.</summary>
    [Output]
    public ITaskItem[] ConsoleOutput => _consoleOutput.ToArray();

    /// <summary>The JSON report written when the command was audited.</summary>
    [Output]
    public ITaskItem? AuditReport { get; private set; }

    /// <summary>Milliseconds before the command is audited and stopped (as in ToolTask; must be positive when set).</summary>
    public override int Timeout
    {
        get => base.Timeout;
        set
        {
            base.Timeout = value;
            _timeoutSet = true;
        }
    }

    /// <inheritdoc />
    protected override string ToolName => "sh";

    /// <inheritdoc />
    protected override MessageImportance StandardOutputLoggingImportance => MessageImportance.High;

    /// <inheritdoc />
    protected override MessageImportance StandardErrorLoggingImportance => MessageImportance.High;

    /// <inheritdoc />
    public override bool Execute()
    {
        if (!OperatingSystem.IsLinux())
        {
            new AuditLog(Log).Error(Codes.BadParameter, "ProcAuditExec runs on Linux only.");
            return false;
        }
        _script = Path.Combine(Path.GetTempPath(), $"procaudit-exec-{Guid.NewGuid():N}.sh");
        File.WriteAllText(_script, Command + "\n", new UTF8Encoding(false));
        try
        {
            return base.Execute();
        }
        finally
        {
            File.Delete(_script);
        }
    }

    /// <inheritdoc />
    protected override bool ValidateParameters()
    {
        AuditLog log = new(Log);
        if (_timeoutSet && Timeout <= 0)
        {
            log.Error(Codes.BadParameter, $"ProcAuditExec: Timeout must be a positive number of milliseconds; it is {Timeout}. The command was not run.");
            return false;
        }
        if (StopWaitingAfterExit < -1)
        {
            log.Error(Codes.BadParameter, $"ProcAuditExec: StopWaitingAfterExit must be -1 (wait for EOF) or a number of milliseconds; it is {StopWaitingAfterExit}.");
            return false;
        }
        return base.ValidateParameters();
    }

    /// <inheritdoc />
    protected override string GenerateFullPathToTool() => "/bin/sh";

    /// <inheritdoc />
    protected override string GenerateCommandLineCommands() => "\"" + _script + "\"";

    /// <inheritdoc />
    protected override string? GetWorkingDirectory() => string.IsNullOrEmpty(WorkingDirectory) ? null : WorkingDirectory;

    /// <inheritdoc />
    protected override void LogToolCommand(string message) => Log.LogCommandLine(MessageImportance.Normal, Command);

    /// <summary>
    /// Runs the command under the shared supervision (SupervisedRun), reading its output on this
    /// thread, so the task can at any moment stop waiting: at the timeout, at cancellation, at a
    /// held deadlock (DeadlockAfter), or after the grace period once the command has exited.
    /// </summary>
    protected override int ExecuteTool(string pathToTool, string responseFileCommands, string commandLineCommands)
    {
        ProcessStartInfo start = GetProcessStartInfo(pathToTool, commandLineCommands, null!);
        AuditLog log = new(Log);
        SupervisedRun run = new(start, new SupervisionOptions
        {
            Timeout = Timeout == System.Threading.Timeout.Infinite ? null : TimeSpan.FromMilliseconds(Timeout),
            DeadlockAfter = TimeSpan.FromMilliseconds(Math.Max(0, DeadlockAfter)),
            Interval = TimeSpan.FromSeconds(1),
            OnOutputLine = OnOutputLine,
            StdoutEncoding = StandardOutputEncoding,
            StderrEncoding = StandardErrorEncoding,
            StopWaitingAfterExit = StopWaitingAfterExit >= 0 ? TimeSpan.FromMilliseconds(StopWaitingAfterExit) : null,
            OnLeakedOutput = leak => log.Warning(Codes.LeakedWriteEnd, leak.Summary + " " + (StopWaitingAfterExit >= 0
                ? $"ProcAuditExec stops waiting {StopWaitingAfterExit} ms after the exit."
                : "Set StopWaitingAfterExit to stop waiting after a grace period.")),
            Views = AuditLog.Views,
            AuditDeadline = AuditLog.Deadline,
            // The verdict goes into the log before the kill, as the tree was when it was audited.
            BeforeKill = stopping => _stoppedExitCode = Report(stopping, log),
        });
        using CancellationTokenSource cancel = new();
        RegisteredWaitHandle onCancel = ThreadPool.RegisterWaitForSingleObject(ToolCanceled, (_, _) => cancel.Cancel(), null, -1, executeOnlyOnce: true);
        try
        {
            SupervisionResult result = run.Run(cancel.Token);
            return _stoppedExitCode ?? Report(result, log);
        }
        finally
        {
            onCancel.Unregister(null);
        }
    }

    private int Report(SupervisionResult result, AuditLog log)
    {
        string why = result.End switch
        {
            SupervisionEnd.Cancelled => "The build was cancelled while the command ran",
            SupervisionEnd.Hung => $"The command held the same {(result.Hang!.Cycle is null ? "stall" : "wait cycle")} ({result.Hang.Pattern}) for {result.Hang.HeldFor.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s (DeadlockAfter)",
            _ => $"The command timed out after {Timeout} ms",
        };
        switch (result.End)
        {
            case SupervisionEnd.Exited:
                return result.ExitCode ?? -1;
            case SupervisionEnd.StoppedWaiting:
            case SupervisionEnd.TimedOut or SupervisionEnd.Cancelled when result.ExitCode is not null:
                string when = result.End == SupervisionEnd.StoppedWaiting ? $"{StopWaitingAfterExit} ms after the command exited (StopWaitingAfterExit)"
                    : result.End == SupervisionEnd.Cancelled ? "because the build was cancelled" : $"at the timeout ({Timeout} ms)";
                log.Warning(Codes.StoppedWaiting, $"ProcAuditExec stopped waiting for the end of the command's output {when}; every byte written until then was read and kept.");
                return result.End == SupervisionEnd.StoppedWaiting ? result.ExitCode!.Value : -1;
            default:
                _stoppedByUs = true;
                if (result.Audit is not AuditResult audit)
                {
                    log.Error(Codes.TimedOut, why + ".");
                    return -1;
                }
                log.Error(Codes.TimedOut, $"{why}; ProcAudit audited its process tree before stopping it: {Reporting.ReportBuilder.Headline(audit)}");
                string? report = log.Log(audit, asErrors: true, AuditLog.ReportPathIn(ReportDirectoryOrDefault(), audit.Snapshot.Root));
                AuditReport = report is null ? null : new TaskItem(report);
                return -1;
        }
    }

    /// <inheritdoc />
    protected override bool HandleTaskExecutionErrors()
    {
        if (_stoppedByUs)
        {
            return false;
        }
        if (IgnoreExitCode)
        {
            Log.LogMessage(MessageImportance.Normal, "The command exited with code {0}; IgnoreExitCode is set.", ExitCode);
            return true;
        }
        new AuditLog(Log).Error(Codes.ExitCode, $"The command \"{Command}\" exited with code {ExitCode}.");
        return false;
    }

    /// <inheritdoc />
    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
    {
        if (IgnoreStandardErrorWarningFormat)
        {
            Log.LogMessage(messageImportance, "{0}", singleLine);
        }
        else
        {
            base.LogEventsFromTextOutput(singleLine, messageImportance);
        }
    }

    private void OnOutputLine(string line, bool fromStderr)
    {
        if (ConsoleToMSBuild)
        {
            _consoleOutput.Add(new TaskItem(Escape(line)));
        }
        LogEventsFromTextOutput(line, fromStderr ? StandardErrorImportanceToUse : StandardOutputImportanceToUse);
    }

    private string ReportDirectoryOrDefault() =>
        !string.IsNullOrEmpty(ReportDirectory) ? ReportDirectory
            : Path.Combine(Path.GetDirectoryName(BuildEngine.ProjectFileOfTaskNode) ?? ".", "obj", "procaudit");

    /// <summary>MSBuild item specs are escaped text: a literal %, ; or $ in a line must survive.</summary>
    internal static string Escape(string text)
    {
        StringBuilder sb = new(text.Length);
        foreach (char c in text)
        {
            if (c is '%' or '*' or '?' or '@' or '$' or '(' or ')' or ';' or '\'')
            {
                sb.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }
}
