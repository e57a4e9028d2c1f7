using System.Globalization;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using ProcAudit.Analysis;
using ProcAudit.Reporting;

namespace ProcAudit.MSBuild;

/// <summary>
/// Runs an audit with a deadline and puts its answer into the build: each cycle and stall as an
/// error (or warning) with its code, the detail as messages, the JSON report as a file.
/// </summary>
internal sealed class AuditLog
{
    /// <summary>The audit must never hang the build: past this, it reports what it has seen (AuditOptions.Deadline).</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    /// <summary>The views every front end adds: goroutines in process, the .NET view through the tool copy the package carries in managed/.</summary>
    public static readonly IReadOnlyList<ProcAudit.Enrichment.IRuntimeEnricher> Views = ProcAudit.Views.RuntimeViews.Default();

    private readonly TaskLoggingHelper _log;

    public AuditLog(TaskLoggingHelper log)
    {
        _log = log;
    }

    /// <summary>Audits the tree under <paramref name="pid"/> within <see cref="Deadline"/>; null (with a warning) when the audit failed.</summary>
    /// <exception cref="AuditException">There is no such process.</exception>
    public AuditResult? Audit(int pid, TimeSpan interval)
    {
        try
        {
            return new Auditor(new AuditOptions { Interval = interval, Enrichers = Views, Deadline = Deadline }).Audit(pid);
        }
        catch (AuditException a) when (a.Error != AuditError.NoSuchProcess)
        {
            Warning(Codes.AuditFailed, $"ProcAudit could not audit process {pid}: {a.Message}");
            return null;
        }
    }

    /// <summary>Logs each cycle and finding (as errors or warnings), the detail as messages; returns the report's path, if written.</summary>
    public string? Log(AuditResult result, bool asErrors, string reportPath)
    {
        Report report = ReportBuilder.Build(result);
        foreach (Cycle c in report.Cycles)
        {
            Problem(asErrors, Codes.Cycle, $"{c.Pattern}: {c.Summary} Fix: {c.Hint}");
        }
        foreach (Finding f in report.Findings)
        {
            // An unexplained wait is what is known, not a diagnosis: always a warning.
            if (f.Kind == "unexplained-wait")
            {
                Warning(Codes.Unexplained, $"{f.Kind}: {f.Summary} Fix: {f.Hint}");
                continue;
            }
            Problem(asErrors, Codes.Stall, $"{f.Kind}: {f.Summary} Fix: {f.Hint}");
        }
        using StringWriter detail = new(CultureInfo.InvariantCulture);
        TextReport.Write(report, detail);
        foreach (string line in detail.ToString().Split('\n'))
        {
            _log.LogMessage(MessageImportance.Normal, "{0}", line.TrimEnd('\r'));
        }
        return WriteReport(report, reportPath);
    }

    /// <summary>reports/procaudit-PID-TIME.json under <paramref name="directory"/>.</summary>
    public static string ReportPathIn(string directory, int pid) =>
        Path.Combine(directory, $"procaudit-{pid.ToString(CultureInfo.InvariantCulture)}-{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}.json");

    private string? WriteReport(Report report, string path)
    {
        try
        {
            string full = Path.GetFullPath(path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, ReportJson.Serialize(report));
            _log.LogMessage(MessageImportance.High, "ProcAudit report: {0}", full);
            WriteHtml(report, full);
            return full;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            Warning(Codes.ReportNotWritten, $"ProcAudit could not write its report to {path}: {e.Message} The verdict is in this log.");
            return null;
        }
    }

    /// <summary>The same report as a page for a browser beside the JSON (report.html), its graph laid out by the tool copy in managed/.</summary>
    private void WriteHtml(Report report, string jsonPath)
    {
        string html = Path.GetExtension(jsonPath) == ".html" ? jsonPath + ".html" : Path.ChangeExtension(jsonPath, ".html");
        try
        {
            using StringWriter page = new(CultureInfo.InvariantCulture);
            HtmlReport.Write(report, ProcAudit.Views.OutOfProcessGraphLayout.Default(), page);
            File.WriteAllText(html, page.ToString());
            _log.LogMessage(MessageImportance.High, "ProcAudit HTML report: {0}", html);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Warning(Codes.ReportNotWritten, $"ProcAudit could not write its HTML report to {html}: {e.Message} The JSON report and this log have the same.");
        }
    }

    private void Problem(bool asError, string code, string message)
    {
        if (asError)
        {
            Error(code, message);
        }
        else
        {
            Warning(code, message);
        }
    }

    // No file: MSBuild then points the message at the task's own line in the project.
    public void Error(string code, string message) =>
        _log.LogError(null, code, null, null, 0, 0, 0, 0, "{0}", message);

    public void Warning(string code, string message) =>
        _log.LogWarning(null, code, null, null, 0, 0, 0, 0, "{0}", message);
}
