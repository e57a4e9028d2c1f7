using System.Globalization;
using McMaster.Extensions.CommandLineUtils;
using ProcAudit.Reporting;

namespace ProcAudit.Cli;

[Command("ps", Description = "Lists the processes ProcAudit can say more about (.NET, Go, Python, JVM, Node), like dotnet-trace ps.")]
internal sealed class PsCommand : CommandBase
{
    [Option("-j|--json", Description = "Print the list as JSON.")]
    public bool Json { get; set; }

    [Option("--no-redact", Description = "Show command lines as they are (secrets are redacted by default).")]
    public bool NoRedact { get; set; }

    protected override int Run(CommandLineApplication app, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        IReadOnlyList<ProcessEntry> found = MachineProcesses.WithRuntimes(new AuditOptions { Redact = !NoRedact }, cancellationToken);
        if (Json)
        {
            stdout.WriteLine(ReportJson.SerializeProcesses(found));
            return ExitCodes.Ok;
        }
        if (found.Count == 0)
        {
            stdout.WriteLine("no .NET, Go, Python, JVM or Node process found that this user can see");
            return ExitCodes.Ok;
        }
        int pidWidth = found.Max(p => p.Pid.ToString(CultureInfo.InvariantCulture).Length);
        int nameWidth = found.Max(p => Terminal.Line(p.Name).Length);
        int runtimeWidth = found.Max(p => Runtime(p).Length);
        foreach (ProcessEntry p in found)
        {
            stdout.WriteLine($"{p.Pid.ToString(CultureInfo.InvariantCulture).PadLeft(pidWidth)}  {Terminal.Line(p.Name).PadRight(nameWidth)}  {Runtime(p).PadRight(runtimeWidth)}  {Terminal.Command(p.Cmdline, p.Unreadable)}".TrimEnd());
        }
        return ExitCodes.Ok;
    }

    private static string Runtime(ProcessEntry p) => p.RuntimeVersion is null ? p.Runtime ?? "" : $"{p.Runtime} {p.RuntimeVersion}";
}
