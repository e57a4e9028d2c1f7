using System.Diagnostics;
using McMaster.Extensions.CommandLineUtils;
using ProcAudit.Reporting;
using ProcAudit.Watching;
using ProcAudit.Analysis;

namespace ProcAudit.Cli;

[Command("watch", Description = "Watches a running process tree and prints the report when the same wait cycle persists.",
    ExtendedHelpText = "\nExit codes: 0 the process exited; 2 a persistent deadlock was found; 124 --timeout passed (the report is printed); 4 no such process; 1 usage.")]
internal sealed class WatchCommand : CommandBase
{
    [Argument(0, "pid", Description = "The process whose tree to watch.")]
    public string? Pid { get; set; }

    [Option("-p|--process-id <PID>", Description = "The process whose tree to watch (the same as the positional pid).")]
    public string? ProcessId { get; set; }

    [Option("-n|--name <NAME>", Description = "The process whose tree to watch, by name (as 'procaudit -n'): exactly one must match.")]
    public string? Name { get; set; }

    [Option("-a|--all", Description = "Watch every process tree on the machine (the scan, repeated): print each hang once it has held --deadlock-after. Default interval 10s.")]
    public bool All { get; set; }

    [Option("-l|--log <FILE>", Description = "With --all: append each hang reported to FILE as one JSON line.")]
    public string? Log { get; set; }

    [Option("-t|--timeout <DURATION>", Description = "Stop watching after this long and print the audit.")]
    public string? Timeout { get; set; }

    [Option("-d|--deadlock-after <DURATION>", Description = "Report when the same wait cycle has held this long (default 10s).")]
    public string? DeadlockAfter { get; set; }

    [Option("-i|--interval <DURATION>", Description = "Time between looks at the tree (default 2s).")]
    public string? Interval { get; set; }

    [Option("-j|--json <FILE>", Description = "Write the JSON report here.")]
    public string? Json { get; set; }

    [Option("-m|--markdown <FILE>", Description = "Write the Markdown report here (also appended to $GITHUB_STEP_SUMMARY when set).")]
    public string? Markdown { get; set; }

    [Option("--dot <FILE>", Description = "Write the wait graph for Graphviz (dot -Tsvg FILE) here.")]
    public string? Dot { get; set; }

    [Option("--html <FILE>", Description = "Write the report as one self-contained HTML page, with the wait graph drawn, here.")]
    public string? Html { get; set; }

    protected override int Run(CommandLineApplication app, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (All)
        {
            if (Pid is not null || ProcessId is not null || Name is not null)
            {
                throw new CliException(ExitCodes.Usage, "--all watches every tree: give no pid or name with it");
            }
            if (Json is not null || Markdown is not null || Dot is not null || Html is not null)
            {
                throw new CliException(ExitCodes.Usage, "--all writes no report files (--json, --markdown, --dot, --html are one tree's): --log FILE appends each hang as a JSON line");
            }
            return WatchAll(stdout, stderr, cancellationToken);
        }
        if (Log is not null)
        {
            throw new CliException(ExitCodes.Usage, "--log is for --all (one tree's report goes to --json)");
        }
        int pid = TargetProcess.Resolve(Pid, ProcessId, Name, redact: true, cancellationToken)
            ?? throw new CliException(ExitCodes.Usage, "missing the pid argument (or -p PID, -n NAME; see --help)");
        WatchSettings settings = WatchSettings.Parse(Timeout, DeadlockAfter, Interval);
        TreeWatcher watcher = new(pid, settings.ToOptions(adopter: null));
        Stopwatch clock = Stopwatch.StartNew();
        while (true)
        {
            PersistentHang? stuck;
            try
            {
                stuck = watcher.Look(DateTime.UtcNow, cancellationToken);
            }
            catch (AuditException e) when (e.Error == AuditError.NoSuchProcess && watcher.Last is not null)
            {
                stderr.WriteLine($"procaudit: {pid} exited");
                return ExitCodes.Ok;
            }
            if (stuck is not null)
            {
                stdout.WriteLine($"procaudit: the same {(stuck.Cycle is null ? "stall" : "wait cycle")} ({stuck.Pattern}) held for {stuck.HeldFor.TotalSeconds:0.#} s over {stuck.Looks} looks with no thread moving:");
                Write(watcher.Last!, stdout, cancellationToken);
                return stuck.Cycle is null ? ExitCodes.Stalled : ExitCodes.Deadlock;
            }
            if (settings.Timeout is TimeSpan limit && clock.Elapsed >= limit)
            {
                Write(new Auditor(new AuditOptions { Enrichers = Runtimes.For(skip: false) }).Audit(pid, cancellationToken), stdout, cancellationToken);
                return ExitCodes.TimedOut;
            }
            cancellationToken.WaitHandle.WaitOne(settings.Interval);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Scans every interval until Ctrl+C (130) or --timeout (124), printing each hang once it has held.</summary>
    private int WatchAll(TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        WatchSettings settings = WatchSettings.Parse(Timeout, DeadlockAfter, Interval ?? "10s");
        MachineWatcher watcher = new(new AuditOptions(), settings.DeadlockAfter);
        Stopwatch clock = Stopwatch.StartNew();
        for (int look = 0; ; look++)
        {
            foreach ((ScanHang hang, TimeSpan held) in watcher.Look(DateTime.UtcNow, cancellationToken))
            {
                stdout.WriteLine($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {hang.Root} {Terminal.Line(hang.Name)} {hang.Verdict.ToString().ToUpperInvariant()} ({hang.Pattern}) held {held.TotalSeconds:0.#} s: {Terminal.Line(hang.Headline)}");
                stdout.Flush();
                if (Log is not null)
                {
                    AppendLine(Log, ReportJson.SerializeLine(hang));
                }
            }
            if (look == 0)
            {
                stderr.WriteLine($"procaudit: watching every process tree every {settings.Interval.TotalSeconds:0.###} s; a hang is reported once it has held {settings.DeadlockAfter.TotalSeconds:0.###} s (the first look found {watcher.Last!.Hangs.Length} hung)");
                stderr.Flush();
            }
            if (settings.Timeout is TimeSpan limit && clock.Elapsed >= limit)
            {
                return ExitCodes.TimedOut;
            }
            cancellationToken.WaitHandle.WaitOne(settings.Interval);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private static void AppendLine(string path, string line)
    {
        try
        {
            File.AppendAllText(path, line + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.CannotAudit, $"cannot append to {path}: {e.Message}");
        }
    }

    private void Write(AuditResult result, TextWriter stdout, CancellationToken cancellationToken)
    {
        Report report = ReportBuilder.Build(result);
        TextReport.Write(report, stdout);
        ReportFiles.Write(report, Json, Markdown, Dot, Html, WriteFile, cancellationToken);
    }
}
