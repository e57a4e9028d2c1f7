using System.Globalization;
using McMaster.Extensions.CommandLineUtils;
using ProcAudit.Analysis;
using ProcAudit.Reporting;

namespace ProcAudit.Cli;

[Command("scan", Description = "Finds every process tree on the machine that holds a wait cycle or a stall, with the pid to audit, worst first.",
    ExtendedHelpText = "\nExit codes: 0 no hung tree; 2 some tree holds a wait cycle; 3 some tree is stalled (and none deadlocked); 5 cannot scan here; 130 interrupted.")]
internal sealed class ScanCommand : CommandBase
{
    [Option("-j|--json", Description = "Print the list of hung trees as JSON.")]
    public bool Json { get; set; }

    [Option("-i|--interval <DURATION>", Description = "Time between the two samples that tell stuck from busy (default 500ms; 0 for one sample).")]
    public string? Interval { get; set; }

    [Option("--no-redact", Description = "Show command lines as they are (secrets are redacted by default).")]
    public bool NoRedact { get; set; }

    protected override int Run(CommandLineApplication app, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        AuditOptions options = new() { Interval = AuditCommand.ParseInterval(Interval), Redact = !NoRedact };
        ScanResult scan = new Auditor(options).Scan(cancellationToken);
        if (Json)
        {
            stdout.WriteLine(ReportJson.SerializeScan(scan));
        }
        else
        {
            Write(scan, stdout);
        }
        return scan.Hangs.Any(h => h.Verdict == Verdict.Deadlock) ? ExitCodes.Deadlock
            : scan.Hangs.Length > 0 ? ExitCodes.Stalled
            : ExitCodes.Ok;
    }

    /// <summary>Blocked trees named in the text; past these, a count (the JSON has every one).</summary>
    private const int BlockedShown = 10;

    private static void Write(ScanResult scan, TextWriter w)
    {
        string unreadable = scan.Unreadable.IsEmpty ? ""
            : $"; {scan.Unreadable.Length} process{(scan.Unreadable.Length == 1 ? "" : "es")} could not be looked into (permission denied: run as root, or as their user)";
        string blocked = scan.Blocked.IsEmpty ? ""
            : $"; {scan.Blocked.Length} still tree{(scan.Blocked.Length == 1 ? " waits" : "s wait")} on something ProcAudit cannot explain (below)";
        if (scan.Hangs.IsEmpty)
        {
            w.WriteLine($"no hung process tree: {scan.Processes} process{(scan.Processes == 1 ? "" : "es")} read, none in a wait cycle or a stall{blocked}{unreadable}.");
        }
        else
        {
            w.WriteLine($"{scan.Hangs.Length} hung process tree{(scan.Hangs.Length == 1 ? "" : "s")} among {scan.Processes} processes, worst first; audit one with 'procaudit PID'{blocked}{unreadable}:");
        }
        foreach (ScanHang h in scan.Hangs)
        {
            w.WriteLine();
            w.WriteLine($"  {h.Root} {Terminal.Line(h.Name)}  {h.Verdict.ToString().ToUpperInvariant()} ({h.Pattern}), still for {Still(h, scan)}");
            w.WriteLine($"    {Terminal.Line(h.Headline)}");
            w.WriteLine($"    command: {Terminal.Command(h.Cmdline, unreadable: false)}");
            if (!h.NsPids.IsDefaultOrEmpty)
            {
                w.WriteLine($"    in another pid namespace: NSpid {string.Join(' ', h.NsPids)}, cgroup {Terminal.Line(h.Cgroup ?? "unknown")}");
            }
        }
        if (!scan.Blocked.IsEmpty)
        {
            w.WriteLine();
            w.WriteLine("Also still, blocked on waits ProcAudit cannot explain (a futex inside one process, a syscall it does not know; a hang only a runtime view shows is among them): 'procaudit PID' lists each wait");
            foreach (ScanHang h in scan.Blocked.Take(BlockedShown))
            {
                w.WriteLine($"  {h.Root} {Terminal.Line(h.Name)}  still for {Still(h, scan)}: {Terminal.Command(h.Cmdline, unreadable: false)}");
            }
            if (scan.Blocked.Length > BlockedShown)
            {
                w.WriteLine($"  and {scan.Blocked.Length - BlockedShown} more (--json lists them all)");
            }
        }
        if (!scan.Unreadable.IsEmpty)
        {
            w.WriteLine();
            w.WriteLine("Not looked into: " + string.Join(", ", scan.Unreadable.Take(20).Select(u => $"{Terminal.Line(u.Name)} {u.Pid}{(u.Uid is int uid ? $" (uid {uid})" : "")}")) + (scan.Unreadable.Length > 20 ? $" and {scan.Unreadable.Length - 20} more" : ""));
        }
    }

    private static string Still(ScanHang h, ScanResult scan) => h.StillSeconds is double s
        ? Seconds(s)
        : $"at least {Seconds(scan.IntervalMs / 1000.0)} (the kernel does not say when threads last ran)";

    private static string Seconds(double s) => s switch
    {
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{s:0.#} s"),
        < 3600 => string.Create(CultureInfo.InvariantCulture, $"{(int)(s / 60)} min {(int)(s % 60)} s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)(s / 3600)} h {(int)(s % 3600 / 60)} min"),
    };
}
