using ProcAudit.Reporting;
using ProcAudit.Views;

namespace ProcAudit.Cli;

/// <summary>The report files a CI step asks for, and the job summary GitHub Actions reads.</summary>
internal static class ReportFiles
{
    public static void Write(Report report, string? json, string? markdown, string? dot, string? html, Action<string, string> writeFile, CancellationToken cancellationToken)
    {
        if (json is not null)
        {
            writeFile(json, ReportJson.Serialize(report));
        }
        WritePictures(report, dot, html, writeFile, cancellationToken);
        string? summary = Environment.GetEnvironmentVariable("GITHUB_STEP_SUMMARY");
        if (markdown is null && string.IsNullOrEmpty(summary))
        {
            return;
        }
        using StringWriter md = new();
        MarkdownReport.Write(report, md);
        if (markdown is not null)
        {
            writeFile(markdown, md.ToString());
        }
        if (!string.IsNullOrEmpty(summary))
        {
            try
            {
                File.AppendAllText(summary, md.ToString());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"procaudit: cannot append to GITHUB_STEP_SUMMARY ({summary}): {e.Message}");
            }
        }
    }

    /// <summary>
    /// The wait graph for Graphviz, and the HTML page whose graph the tool's own graph-layout verb lays out in a
    /// process of its own (so a layout that fails costs the picture, never the report).
    /// </summary>
    public static void WritePictures(Report report, string? dot, string? html, Action<string, string> writeFile, CancellationToken cancellationToken)
    {
        if (dot is not null)
        {
            writeFile(dot, GraphText.Dot(report));
        }
        if (html is not null)
        {
            using StringWriter page = new();
            HtmlReport.Write(report, OutOfProcessGraphLayout.Default(), page, cancellationToken);
            writeFile(html, page.ToString());
        }
    }
}
