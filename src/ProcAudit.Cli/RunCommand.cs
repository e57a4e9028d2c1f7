using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using McMaster.Extensions.CommandLineUtils;
using ProcAudit.Control;
using ProcAudit.Reporting;
using ProcAudit.Watching;

namespace ProcAudit.Cli;

[Command("run", AllowArgumentSeparator = true, ThrowOnUnexpectedArgument = false,
    Description = "Runs a command and stops it early, with the report, when it deadlocks; at --timeout audits it before killing it.",
    ExtendedHelpText = "\nExample: procaudit run --timeout 1h --deadlock-after 10s -- make test\n\nExit codes: the command's own; 124 timed out; 125 stopped on a deadlock; 126 cannot execute; 127 not found; 1 usage.")]
internal sealed class RunCommand : CommandBase
{
    private static readonly TimeSpan s_signalGrace = TimeSpan.FromSeconds(5);

    [Option("-t|--timeout <DURATION>", Description = "Audit, report and kill the tree after this long (e.g. 30m). Default: none.")]
    public string? Timeout { get; set; }

    [Option("-d|--deadlock-after <DURATION>", Description = "Stop when the same wait cycle has held this long (default 10s; 0 never stops early).")]
    public string? DeadlockAfter { get; set; }

    [Option("-i|--interval <DURATION>", Description = "Time between looks at the tree (default 2s).")]
    public string? Interval { get; set; }

    [Option("-j|--json <FILE>", Description = "Write the JSON report here when the command is stopped.")]
    public string? Json { get; set; }

    [Option("-m|--markdown <FILE>", Description = "Write the Markdown report here when the command is stopped (also appended to $GITHUB_STEP_SUMMARY when set).")]
    public string? Markdown { get; set; }

    /// <summary>The command and its arguments, after "--".</summary>
    public string[] RemainingArguments { get; } = Array.Empty<string>();

    protected override int Run(CommandLineApplication app, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string[] command = RemainingArguments.SkipWhile(a => a == "--").ToArray();
        if (command.Length == 0 || string.IsNullOrWhiteSpace(command[0]))
        {
            throw new CliException(ExitCodes.Usage, "run needs a command: procaudit run [options] -- <command> [args...]");
        }
        if (command[0].StartsWith('-') && !RemainingArguments.Contains("--"))
        {
            throw new CliException(ExitCodes.Usage, $"unrecognized option '{command[0]}' (put the command after --)");
        }
        WatchSettings settings = WatchSettings.Parse(Timeout, DeadlockAfter, Interval);
        int self = Environment.ProcessId;
        if (!ProcessTree.BecomeSubreaper())
        {
            stderr.WriteLine("procaudit: could not become the child subreaper; descendants that daemonize will not be followed");
        }

        using Process child = Start(command);
        int signal = 0;
        void Forward(PosixSignalContext c)
        {
            // Stay alive to clean up: the command gets the signal and a moment to act on it.
            c.Cancel = true;
            signal = c.Signal == PosixSignal.SIGTERM ? 15 : 2;
            ProcessTree.Signal(child.Id, adopter: null, signal);
        }
        using PosixSignalRegistration onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Forward);
        using PosixSignalRegistration onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Forward);

        TreeWatcher watcher = new(child.Id, settings.ToOptions(self));
        Stopwatch clock = Stopwatch.StartNew();
        // The first look comes early (a pipe deadlock forms in milliseconds), then one per interval.
        TimeSpan wait = settings.Interval / 4;
        try
        {
            while (!child.WaitForExit(wait))
            {
                wait = settings.Interval;
                if (signal != 0)
                {
                    return AfterSignal(child, signal, self);
                }
                if (settings.Timeout is TimeSpan limit && clock.Elapsed >= limit)
                {
                    AuditResult audit = new Auditor(new AuditOptions { Adopter = self, Enrichers = Runtimes.For(skip: false) }).Audit(child.Id);
                    stderr.WriteLine($"procaudit: the command ran past --timeout {Timeout}; its tree, before it was killed:");
                    Report(audit, stderr);
                    return ExitCodes.TimedOut;
                }
                PersistentHang? stuck;
                try
                {
                    stuck = watcher.Look(DateTime.UtcNow);
                }
                catch (AuditException)
                {
                    continue; // exited between the wait and the look
                }
                if (stuck is not null)
                {
                    stderr.WriteLine($"procaudit: stopping the command: the same {(stuck.Cycle is null ? "stall" : "wait cycle")} ({stuck.Pattern}) held for {stuck.HeldFor.TotalSeconds:0.#} s over {stuck.Looks} looks with no thread moving:");
                    Report(watcher.Last!, stderr);
                    return ExitCodes.StoppedDeadlock;
                }
            }
            if (signal != 0)
            {
                return AfterSignal(child, signal, self);
            }
            child.WaitForExit();
            return child.ExitCode;
        }
        finally
        {
            // Whatever happened, nothing the command started outlives procaudit run.
            ProcessTree.KillAll(child.Id, self, TimeSpan.FromSeconds(5));
        }
    }

    private void Report(AuditResult result, TextWriter stderr)
    {
        Report report = ReportBuilder.Build(result);
        TextReport.Write(report, stderr);
        ReportFiles.Write(report, Json, Markdown, WriteFile);
    }

    private static int AfterSignal(Process child, int signal, int self)
    {
        if (child.WaitForExit(s_signalGrace))
        {
            child.WaitForExit();
            return child.ExitCode;
        }
        return 128 + signal;
    }

    private static Process Start(string[] command)
    {
        ProcessStartInfo start = new(command[0]) { UseShellExecute = false };
        foreach (string arg in command.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }
        try
        {
            return Process.Start(start) ?? throw new CliException(ExitCodes.CannotExecute, $"could not start {command[0]}");
        }
        catch (Win32Exception e) when (e.NativeErrorCode == 2)
        {
            throw new CliException(ExitCodes.CommandNotFound, $"command not found: {command[0]}");
        }
        catch (Win32Exception e)
        {
            throw new CliException(ExitCodes.CannotExecute, $"cannot execute {command[0]}: {e.Message}");
        }
    }
}
