using ProcAudit.Reporting;

namespace ProcAudit.Cli;

/// <summary>Writes the text report and, when asked, the wait graph for Graphviz, the Markdown and HTML reports and the JSON report: to a file, or to stdout with the text moved to stderr.</summary>
internal static class ReportOutput
{
    public static void Write(AuditResult result, string? jsonPath, string? dotPath, TextWriter stdout, TextWriter stderr, Action<string, string> writeFile, string? markdownPath = null, string? htmlPath = null, CancellationToken cancellationToken = default)
    {
        Report report = ReportBuilder.Build(result);
        ReportFiles.WritePictures(report, dotPath, htmlPath, writeFile, cancellationToken);
        if (markdownPath is not null)
        {
            using StringWriter md = new();
            MarkdownReport.Write(report, md);
            writeFile(markdownPath, md.ToString());
        }
        if (jsonPath == "-")
        {
            TextReport.Write(report, stderr);
            stdout.WriteLine(ReportJson.Serialize(report));
            return;
        }
        TextReport.Write(report, stdout);
        if (jsonPath is not null)
        {
            writeFile(jsonPath, ReportJson.Serialize(report));
        }
    }
}
