using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

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
    private static readonly TimeSpan s_leakCheckAfter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_drainAfterKill = TimeSpan.FromSeconds(2);

    private readonly List<ITaskItem> _consoleOutput = new();
    private string? _script;
    private bool _timeoutSet;
    private bool _stoppedByUs;

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
    /// Runs the command and pumps its output on this thread, so the task can at any moment stop
    /// waiting: at the timeout, at cancellation, or after the grace period once the command has exited.
    /// </summary>
    protected override int ExecuteTool(string pathToTool, string responseFileCommands, string commandLineCommands)
    {
        ProcessStartInfo start = GetProcessStartInfo(pathToTool, commandLineCommands, null!);
        // Output comes to us; stdin is closed at once so a command that reads it sees EOF, not the build's terminal.
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start /bin/sh");
        bool done = false;
        try
        {
            int exitCode = Pump(process);
            done = true;
            return exitCode;
        }
        finally
        {
            if (!done)
            {
                // Whatever went wrong in here, the build must not leave the command's tree running.
                KillTree(process);
            }
        }
    }

    private int Pump(Process process)
    {
        process.StandardInput.Close();
        OutputPump pump = new(process.StandardOutput.BaseStream, process.StandardError.BaseStream,
            StandardOutputEncoding, StandardErrorEncoding, OnOutputLine);
        Stopwatch clock = Stopwatch.StartNew();
        TimeSpan? exitedAt = null;
        bool leakChecked = false;
        while (true)
        {
            pump.Pump(100);
            bool exited = process.HasExited;
            if (exited && pump.Closed)
            {
                process.WaitForExit();
                return process.ExitCode;
            }
            bool cancelled = ToolCanceled.WaitOne(0);
            bool timedOut = Timeout != System.Threading.Timeout.Infinite && clock.ElapsedMilliseconds >= Timeout;
            if (!exited)
            {
                if (cancelled || timedOut)
                {
                    return StopTool(process, pump, cancelled);
                }
                continue;
            }

            // The command has exited but its output has not reached EOF: someone still holds a write end.
            exitedAt ??= clock.Elapsed;
            TimeSpan since = clock.Elapsed - exitedAt.Value;
            if (!leakChecked && since >= s_leakCheckAfter)
            {
                leakChecked = true;
                ReportLeakedWriteEnds(pump, since);
            }
            bool graceOver = StopWaitingAfterExit >= 0 && since.TotalMilliseconds >= StopWaitingAfterExit;
            if (graceOver || cancelled || timedOut)
            {
                pump.Drain();
                string why = graceOver ? $"{StopWaitingAfterExit} ms after the command exited (StopWaitingAfterExit)"
                    : cancelled ? "because the build was cancelled" : $"at the timeout ({Timeout} ms)";
                new AuditLog(Log).Warning(Codes.StoppedWaiting,
                    $"ProcAuditExec stopped waiting for the end of the command's output {why}; every byte written until then was read and kept.");
                return graceOver ? process.ExitCode : -1;
            }
        }
    }

    /// <summary>
    /// Audit first, then kill the whole tree. (ToolTask's own KillToolProcessOnTimeout is private in
    /// every Microsoft.Build.Utilities.Core from 17.7 to 18.12, so the task stops the tool itself.)
    /// </summary>
    private void AuditThenKill(Process proc, bool isBeingCancelled)
    {
        AuditLog log = new(Log);
        string why = isBeingCancelled ? "The build was cancelled while the command ran" : $"The command timed out after {Timeout} ms";
        AuditResult? result = null;
        try
        {
            result = log.Audit(proc.Id, TimeSpan.FromMilliseconds(300));
        }
        catch (AuditException)
        {
            // Exited just now: nothing left to audit or to kill.
        }
        if (result is null)
        {
            log.Error(Codes.TimedOut, why + ".");
        }
        else
        {
            log.Error(Codes.TimedOut, $"{why}; ProcAudit audited its process tree before stopping it: {Reporting.ReportBuilder.Headline(result)}");
            string? report = log.Log(result, asErrors: true, AuditLog.ReportPathIn(ReportDirectoryOrDefault(), proc.Id));
            AuditReport = report is null ? null : new TaskItem(report);
        }
        KillTree(proc);
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited on its own meanwhile.
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

    private int StopTool(Process process, OutputPump pump, bool cancelled)
    {
        _stoppedByUs = true;
        AuditThenKill(process, cancelled);
        // Keep what the tree wrote up to its death: read until EOF, or a little while if a survivor holds on.
        Stopwatch drain = Stopwatch.StartNew();
        while (!pump.Closed && drain.Elapsed < s_drainAfterKill)
        {
            pump.Pump(100);
        }
        pump.Drain();
        return -1;
    }

    private void ReportLeakedWriteEnds(OutputPump pump, TimeSpan since)
    {
        Auditor auditor = new();
        int self = Environment.ProcessId;
        List<(string Stream, string Pipe, List<PipeHolder> Writers)> held = new();
        foreach ((int fd, string stream) in pump.OpenDescriptors)
        {
            PipeHolders? holders = auditor.FindPipeHolders(self, fd);
            List<PipeHolder> writers = holders?.Writers.Where(w => w.Pid != self).ToList() ?? new List<PipeHolder>();
            if (writers.Count > 0)
            {
                held.Add((stream, holders!.PipeId, writers));
            }
        }
        if (held.Count == 0)
        {
            return;
        }
        PipeHolder first = held[0].Writers[0];
        string command = first.Cmdline.IsDefaultOrEmpty ? first.Name : string.Join(' ', first.Cmdline);
        string orphan = first.PPid == 1 ? ", an orphan now parented by pid 1," : "";
        string streams = string.Join(" and ", held.Select(h => $"{h.Stream} ({h.Pipe})"));
        List<string> firstFds = held.SelectMany(h => h.Writers).Where(w => w.Pid == first.Pid).Select(w => w.Fd.ToString(CultureInfo.InvariantCulture)).Distinct().ToList();
        string fds = (firstFds.Count == 1 ? "fd " : "fds ") + string.Join(" and ", firstFds);
        List<string> others = held.SelectMany(h => h.Writers).Where(w => w.Pid != first.Pid).Select(w => $"{w.Name} {w.Pid}").Distinct().ToList();
        string also = others.Count > 0 ? $" Also holding it: {string.Join(", ", others)}." : "";
        string advice = StopWaitingAfterExit >= 0
            ? $"ProcAuditExec stops waiting {StopWaitingAfterExit} ms after the exit."
            : "Set StopWaitingAfterExit to stop waiting after a grace period.";
        new AuditLog(Log).Warning(Codes.LeakedWriteEnd,
            $"The command exited {since.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s ago, but its {streams} {(held.Count == 1 ? "is" : "are")} still held open by " +
            $"{first.Name} {first.Pid} (`{command}`){orphan} through its {fds}, so the output never ends and the build waits until that process exits or closes it.{also} " +
            $"Start background processes with their output redirected (e.g. `cmd >/dev/null 2>&1 &`). {advice}");
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
