using System.Text.Json;
using McMaster.Extensions.CommandLineUtils;
using ProcAudit.Reporting;

namespace ProcAudit.Cli;

[Command("analyze", Description = "Analyses a snapshot saved earlier with --snapshot (on any machine).")]
internal sealed class AnalyzeCommand : CommandBase
{
    [Argument(0, "snapshot", Description = "The snapshot JSON file.")]
    public string? File { get; set; }

    [Option("-j|--json <FILE>", Description = "Also write the JSON report to FILE ('-' for stdout).")]
    public string? Json { get; set; }

    [Option("--dot <FILE>", Description = "Also write the wait graph for Graphviz (dot -Tsvg FILE) to FILE.")]
    public string? Dot { get; set; }

    [Option("-m|--markdown <FILE>", Description = "Also write the Markdown report (with the wait graph as Mermaid) to FILE.")]
    public string? Markdown { get; set; }

    [Option("--html <FILE>", Description = "Also write the report as one self-contained HTML page, with the wait graph drawn, to FILE.")]
    public string? Html { get; set; }

    protected override int Run(CommandLineApplication app, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string file = Required(File, "snapshot");
        string text = ReadFile(file);
        Snapshot snapshot;
        try
        {
            snapshot = ReportJson.DeserializeSnapshot(text);
        }
        catch (JsonException e)
        {
            ThrowOnBadJson(file, e);
            throw;
        }
        AuditResult result = Auditor.Analyze(snapshot);
        ReportOutput.Write(result, Json, Dot, stdout, stderr, WriteFile, Markdown, Html, cancellationToken);
        return ExitCodes.For(result.Analysis.Verdict);
    }
}
