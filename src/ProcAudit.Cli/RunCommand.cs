using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using McMaster.Extensions.CommandLineUtils;
using ProcAudit.Reporting;
using ProcAudit.Supervision;
using ProcAudit.Watching;

namespace ProcAudit.Cli;

[Command("run", AllowArgumentSeparator = true, ThrowOnUnexpectedArgument = false,
    Description = "Runs a command and stops it early, with the report, when it deadlocks; at --timeout audits it before killing it.",
    ExtendedHelpText = "\nExample: procaudit run --timeout 1h --deadlock-after 10s -- make test\n\nExit codes: the command's own; 124 timed out; 125 stopped on a deadlock; 126 cannot execute; 127 not found; 1 usage.")]
internal sealed class RunCommand : CommandBase
{
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

    [Option("--dot <FILE>", Description = "Write the wait graph for Graphviz (dot -Tsvg FILE) here when the command is stopped.")]
    public string? Dot { get; set; }

    [Option("--html <FILE>", Description = "Write the report as one self-contained HTML page, with the wait graph drawn, here when the command is stopped.")]
    public string? Html { get; set; }

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
        ProcessStartInfo start = new(command[0]);
        foreach (string arg in command.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }
        SupervisedRun run = new(start, new SupervisionOptions
        {
            Timeout = settings.Timeout,
            DeadlockAfter = settings.DeadlockAfter,
            Interval = settings.Interval,
            Subreaper = true,
            Views = Runtimes.For(skip: false),
            AuditInterval = TimeSpan.FromMilliseconds(500),
            AuditDeadline = TimeSpan.FromSeconds(30),
            OnWarning = warning => stderr.WriteLine("procaudit: " + warning),
            BeforeKill = stopping => Explain(stopping, stderr, cancellationToken),
        });
        // Stay alive to clean up: the command gets the signal and a moment to act on it.
        void Forward(PosixSignalContext c)
        {
            c.Cancel = true;
            run.Forward(c.Signal == PosixSignal.SIGTERM ? 15 : 2);
        }
        using PosixSignalRegistration onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Forward);
        using PosixSignalRegistration onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Forward);

        SupervisionResult result;
        try
        {
            result = run.Run();
        }
        catch (Win32Exception e) when (e.NativeErrorCode == 2)
        {
            throw new CliException(ExitCodes.CommandNotFound, $"command not found: {command[0]}");
        }
        catch (Win32Exception e)
        {
            throw new CliException(ExitCodes.CannotExecute, $"cannot execute {command[0]}: {e.Message}");
        }
        return result.End switch
        {
            SupervisionEnd.TimedOut => ExitCodes.TimedOut,
            SupervisionEnd.Hung => ExitCodes.StoppedDeadlock,
            SupervisionEnd.Signalled => 128 + result.Signal,
            _ => result.ExitCode ?? ExitCodes.CannotExecute,
        };
    }

    /// <summary>Why the command is being stopped, and its tree as audited, before the kill.</summary>
    private void Explain(SupervisionResult stopping, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (stopping.Hang is PersistentHang hang)
        {
            stderr.WriteLine($"procaudit: stopping the command: the same {(hang.Cycle is null ? "stall" : "wait cycle")} ({hang.Pattern}) held for {hang.HeldFor.TotalSeconds:0.#} s over {hang.Looks} looks with no thread moving:");
        }
        else
        {
            stderr.WriteLine($"procaudit: the command ran past --timeout {Timeout}; its tree, before it was killed:");
        }
        Report(stopping.Audit, stderr, cancellationToken);
    }

    private void Report(AuditResult? result, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (result is null)
        {
            stderr.WriteLine("procaudit: the command's tree was gone before it could be audited");
            return;
        }
        Report report = ReportBuilder.Build(result);
        TextReport.Write(report, stderr);
        ReportFiles.Write(report, Json, Markdown, Dot, Html, WriteFile, cancellationToken);
    }
}
