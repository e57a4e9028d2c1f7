using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using ProcAudit.Analysis;

namespace ProcAudit.MSBuild;

/// <summary>
/// Audits the process tree under any pid, for targets that manage processes themselves: logs the
/// verdict, each cycle (PA1001) and stall (PA1002), and writes the JSON report.
/// </summary>
public sealed class AuditProcessTree : Microsoft.Build.Utilities.Task
{
    /// <summary>The root of the tree to audit.</summary>
    [Required]
    public int ProcessId { get; set; }

    /// <summary>Where to write the JSON report (default: obj/procaudit/procaudit-PID-TIME.json beside the project).</summary>
    public string? ReportPath { get; set; }

    /// <summary>Fail the build on a deadlock (default true); otherwise cycles are warnings.</summary>
    public bool FailOnDeadlock { get; set; } = true;

    /// <summary>Fail the build on a stall with no cycle (default false: warnings).</summary>
    public bool FailOnStall { get; set; }

    /// <summary><c>deadlock</c>, <c>stalled</c>, <c>blocked</c>, <c>idle</c>, <c>running</c> or <c>exited</c>.</summary>
    [Output]
    public string? Verdict { get; private set; }

    /// <summary>The JSON report written.</summary>
    [Output]
    public ITaskItem? AuditReport { get; private set; }

    /// <inheritdoc />
    public override bool Execute()
    {
        AuditLog log = new(Log);
        AuditResult? result;
        try
        {
            result = log.Audit(ProcessId, TimeSpan.FromMilliseconds(500));
        }
        catch (AuditException e) when (e.Error == AuditError.NoSuchProcess)
        {
            log.Warning(Codes.NoSuchProcess, $"AuditProcessTree: {e.Message}; nothing to audit.");
            return true;
        }
        if (result is null)
        {
            return true;
        }
        Verdict = result.Analysis.Verdict.ToString().ToLowerInvariant();
        Log.LogMessage(MessageImportance.High, "{0}", Reporting.ReportBuilder.Headline(result));
        bool fail = (result.Analysis.Verdict == Analysis.Verdict.Deadlock && FailOnDeadlock)
            || (result.Analysis.Verdict == Analysis.Verdict.Stalled && FailOnStall);
        string path = !string.IsNullOrEmpty(ReportPath) ? ReportPath
            : AuditLog.ReportPathIn(Path.Combine(Path.GetDirectoryName(BuildEngine.ProjectFileOfTaskNode) ?? ".", "obj", "procaudit"), ProcessId);
        string? written = log.Log(result, asErrors: fail, path);
        AuditReport = written is null ? null : new TaskItem(written);
        return !Log.HasLoggedErrors;
    }
}
