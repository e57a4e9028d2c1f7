using ProcAudit.Reporting;

namespace ProcAudit.Cli;

/// <summary>The report files a CI step asks for, and the job summary GitHub Actions reads.</summary>
internal static class ReportFiles
{
    public static void Write(Report report, string? json, string? markdown, Action<string, string> writeFile)
    {
        if (json is not null)
        {
            writeFile(json, ReportJson.Serialize(report));
        }
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
}
