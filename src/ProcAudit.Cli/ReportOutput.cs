using ProcAudit.Reporting;
using ProcAudit.Views;

namespace ProcAudit.Cli;

/// <summary>Writes the text report and, when asked, the wait graph for Graphviz, the Markdown and HTML reports and the JSON report: to a file, or to stdout with the text moved to stderr.</summary>
internal static class ReportOutput
{
    public static void Write(AuditResult result, string? jsonPath, string? dotPath, TextWriter stdout, TextWriter stderr, Action<string, string> writeFile, string? markdownPath = null, string? htmlPath = null, CancellationToken cancellationToken = default)
    {
        Report report = ReportBuilder.Build(result);
        if (dotPath is not null)
        {
            writeFile(dotPath, GraphText.Dot(report));
        }
        if (markdownPath is not null)
        {
            using StringWriter md = new();
            MarkdownReport.Write(report, md);
            writeFile(markdownPath, md.ToString());
        }
        if (htmlPath is not null)
        {
            using StringWriter html = new();
            HtmlReport.Write(report, OutOfProcessGraphLayout.Default(), html, cancellationToken);
            writeFile(htmlPath, html.ToString());
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
