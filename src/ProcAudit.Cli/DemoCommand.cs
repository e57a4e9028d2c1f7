using System.Diagnostics;
using McMaster.Extensions.CommandLineUtils;
using ProcAudit.Analysis;

namespace ProcAudit.Cli;

[Command("demo", Description = "Starts a real deadlocked parent/child pair, audits it, prints the report and cleans up.")]
internal sealed class DemoCommand : CommandBase
{
    private static readonly TimeSpan s_giveUpAfter = TimeSpan.FromSeconds(20);

    [Option("-j|--json <FILE>", Description = "Also write the JSON report to FILE ('-' for stdout).")]
    public string? Json { get; set; }

    protected override int Run(CommandLineApplication app, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        // Through sh only to point the pair's own stdio at /dev/null: the demo must not hand the
        // tree a pipe of ours, or we would become part of what we audit.
        ProcessStartInfo self = DemoPair.Self(DemoPair.ParentVerb);
        ProcessStartInfo start = new("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$@\" </dev/null >/dev/null 2>&1");
        start.ArgumentList.Add("procaudit-demo");
        start.ArgumentList.Add(self.FileName);
        foreach (string a in self.ArgumentList)
        {
            start.ArgumentList.Add(a);
        }

        using Process parent = Process.Start(start) ?? throw new CliException(ExitCodes.CannotAudit, "could not start the demo processes");
        try
        {
            stderr.WriteLine($"demo: started {parent.Id}, which reads its child's stdout to EOF before its stderr; the child writes {DemoPair.StderrBytes / 1024} KiB to stderr first.");
            Auditor auditor = new();
            Stopwatch clock = Stopwatch.StartNew();
            AuditResult result;
            do
            {
                result = auditor.Audit(parent.Id, cancellationToken);
            }
            while (result.Analysis.Verdict != Verdict.Deadlock && clock.Elapsed < s_giveUpAfter && !parent.HasExited);
            stderr.WriteLine($"demo: audited after {clock.Elapsed.TotalSeconds:0.0} s:");
            stderr.WriteLine();
            ReportOutput.Write(result, Json, dotPath: null, stdout, stderr, WriteFile);
            if (result.Analysis.Verdict != Verdict.Deadlock)
            {
                stderr.WriteLine("demo: the pair did not deadlock as expected; please report this with the output above.");
                return ExitCodes.CannotAudit;
            }
            return ExitCodes.Ok;
        }
        finally
        {
            parent.Kill(entireProcessTree: true);
            parent.WaitForExit(5000);
        }
    }
}
