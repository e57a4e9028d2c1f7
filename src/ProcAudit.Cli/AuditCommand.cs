using System.Globalization;
using McMaster.Extensions.CommandLineUtils;
using ProcAudit.Reporting;

namespace ProcAudit.Cli;

[Command("dotnet-procaudit", FullName = "procaudit",
    Description = "Explains a hung process tree: who waits for whom, on which pipe, and why nothing moves.",
    ThrowOnUnexpectedArgument = false,
    ExtendedHelpText = "\nExit codes: 0 not hung (running, idle, exited), 1 usage error, 2 deadlock, 3 stalled, 4 no such process, 5 cannot audit here, 6 blocked (a wait ProcAudit cannot explain), 130 interrupted.")]
[Subcommand(typeof(DemoCommand), typeof(AnalyzeCommand), typeof(RunCommand), typeof(WatchCommand), typeof(RecordCommand), typeof(PsCommand), typeof(ScanCommand), typeof(DemoPair.ParentCommand), typeof(DemoPair.ChildCommand), typeof(GraphLayoutCommand))]
internal sealed class AuditCommand : CommandBase
{
    [Argument(0, "pid", Description = "The process whose tree to audit.")]
    public string? Pid { get; set; }

    [Option("-p|--process-id <PID>", Description = "The process whose tree to audit (the same as the positional pid).")]
    public string? ProcessId { get; set; }

    [Option("-n|--name <NAME>", Description = "The process whose tree to audit, by name: its comm, its program, or the script or .dll a host (dotnet, python, node, java, a shell) runs; case-insensitive. Several matches are listed (exit 1), none exits 4.")]
    public string? Name { get; set; }

    [Option("-j|--json <FILE>", Description = "Also write the JSON report to FILE ('-' for stdout; the text report then goes to stderr).")]
    public string? Json { get; set; }

    [Option("--dot <FILE>", Description = "Also write the wait graph for Graphviz (dot -Tsvg FILE) to FILE.")]
    public string? Dot { get; set; }

    [Option("-m|--markdown <FILE>", Description = "Also write the Markdown report (with the wait graph as Mermaid) to FILE.")]
    public string? Markdown { get; set; }

    [Option("--html <FILE>", Description = "Also write the report as one self-contained HTML page, with the wait graph drawn, to FILE.")]
    public string? Html { get; set; }

    [Option("-i|--interval <DURATION>", Description = "Time between the two samples that tell stuck from busy (default 500ms; 0 for one sample).")]
    public string? Interval { get; set; }

    [Option("-s|--snapshot <FILE>", Description = "Also save the raw snapshot as JSON, for 'procaudit analyze' later.")]
    public string? SnapshotPath { get; set; }

    [Option("--deadline <DURATION>", Description = "Give up capturing after this long and report what was seen (default 30s).")]
    public string? Deadline { get; set; }

    [Option("--no-runtime", Description = "Skip the runtime views (.NET managed stacks and lock owners, Go goroutines): kernel facts only, faster.")]
    public bool NoRuntime { get; set; }

    [Option("--no-redact", Description = "Show command lines as they are (secrets such as --password values are redacted by default).")]
    public bool NoRedact { get; set; }

    /// <summary>Set by CommandLineUtils: what it could not bind, so "-5" can be told apart from a mistyped option.</summary>
    public string[] RemainingArguments { get; } = Array.Empty<string>();

    protected override int Run(CommandLineApplication app, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (RemainingArguments.Length > 0)
        {
            string first = RemainingArguments[0];
            if (Pid is null && ProcessId is null && Name is null && int.TryParse(first, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            {
                ParsePid(first);
            }
            throw new CliException(ExitCodes.Usage, $"unrecognized argument '{TerminalSafe(first)}' (see --help)");
        }
        if (TargetProcess.Resolve(Pid, ProcessId, Name, !NoRedact, cancellationToken) is not int pid)
        {
            app.ShowHelp(usePager: false);
            return ExitCodes.Usage;
        }
        TimeSpan interval = ParseInterval(Interval);
        AuditOptions options = new() { Interval = interval, Redact = !NoRedact, Enrichers = Runtimes.For(NoRuntime, interval) };
        if (Deadline is not null)
        {
            options = options with { Deadline = ParseDuration("--deadline", Deadline, allowZero: false) };
        }
        AuditResult result = new Auditor(options).Audit(pid, cancellationToken);
        if (SnapshotPath is not null)
        {
            WriteFile(SnapshotPath, ReportJson.SerializeSnapshot(result.Snapshot));
        }
        ReportOutput.Write(result, Json, Dot, stdout, stderr, WriteFile, Markdown, Html, cancellationToken);
        return ExitCodes.For(result.Analysis.Verdict);
    }

    internal static int ParsePid(string text)
    {
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int pid))
        {
            throw new CliException(ExitCodes.Usage, $"'{TerminalSafe(text)}' is not a pid: give the number of a running process, e.g. 'procaudit 1234'");
        }
        if (pid <= 0)
        {
            throw new CliException(ExitCodes.Usage, $"{pid} is not a pid: pids are positive numbers");
        }
        return pid;
    }

    internal static TimeSpan ParseInterval(string? text) =>
        text is null ? new AuditOptions().Interval : ParseDuration("--interval", text, allowZero: true);

    private static TimeSpan ParseDuration(string flag, string text, bool allowZero)
    {
        if (!Duration.TryParse(text, out TimeSpan value))
        {
            throw new CliException(ExitCodes.Usage, $"{flag} '{TerminalSafe(text)}' is not a duration: use e.g. 500ms, 2s or 0");
        }
        if (!allowZero && value <= TimeSpan.Zero)
        {
            throw new CliException(ExitCodes.Usage, $"{flag} must be longer than 0");
        }
        return value;
    }

    private static string TerminalSafe(string text) => Terminal.Safe(text);
}
