using ProcAudit.Analysis;
using ProcAudit.Reporting;

namespace ProcAudit.IntegrationTests.Infrastructure;

/// <summary>Audits a live tree until the expected state has formed, within a bound.</summary>
internal static class Audits
{
    private static readonly TimeSpan s_defaultTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// A hang takes a moment to form (the child must start and fill its pipe), so audit repeatedly
    /// until <paramref name="formed"/> holds; returns the last audit either way, so the assertions
    /// that follow show what was really seen.
    /// </summary>
    public static AuditResult Until(int pid, Func<AuditResult, bool> formed, TimeSpan? timeout = null, TimeSpan? interval = null) =>
        Until(new Auditor(new AuditOptions { Interval = interval ?? TimeSpan.FromMilliseconds(500) }), pid, formed, timeout);

    /// <summary>
    /// As <see cref="Until(int, Func{AuditResult, bool}, TimeSpan?, TimeSpan?)"/>, with the runtime views (Python, Go, .NET) on;
    /// fails with what the last audit saw when the state never formed.
    /// </summary>
    public static AuditResult UntilWithViews(int pid, Func<AuditResult, bool> formed, TimeSpan? timeout = null) =>
        UntilFormed(new Auditor(new AuditOptions { Enrichers = Views.RuntimeViews.Default() }), pid, formed, timeout ?? TimeSpan.FromSeconds(30), "The state");

    private static AuditResult Until(Auditor auditor, int pid, Func<AuditResult, bool> formed, TimeSpan? timeout)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? s_defaultTimeout);
        AuditResult result = auditor.Audit(pid);
        while (!formed(result) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(100);
            result = auditor.Audit(pid);
        }
        return result;
    }

    /// <summary>
    /// The whole text report of <paramref name="result"/> with its notes, for a failure message: when a live hang did not
    /// form in time on a slow machine, what the audit did see (a view that timed out, a thread not yet named) is the clue.
    /// </summary>
    public static string Seen(AuditResult result)
    {
        using StringWriter text = new();
        TextReport.Write(ReportBuilder.Build(result), text);
        return text.ToString();
    }

    /// <summary>As <see cref="Until(int, Func{AuditResult, bool}, TimeSpan?, TimeSpan?)"/> on the given auditor, failing with what was seen when the state never formed.</summary>
    public static AuditResult UntilFormed(Auditor auditor, int pid, Func<AuditResult, bool> formed, TimeSpan timeout, string what)
    {
        System.Diagnostics.Stopwatch took = System.Diagnostics.Stopwatch.StartNew();
        AuditResult result = Until(auditor, pid, formed, timeout);
        if (!formed(result))
        {
            Assert.Fail($"{what} did not form within {timeout.TotalSeconds:0} s ({took.Elapsed.TotalSeconds:0.0} s spent); the last audit saw:\n{Seen(result)}");
        }
        return result;
    }

    public static AuditResult UntilVerdict(int pid, Verdict verdict, TimeSpan? timeout = null) =>
        Until(pid, r => r.Analysis.Verdict == verdict, timeout);

    /// <summary>The pipe a process holds as <paramref name="fd"/>.</summary>
    public static string PipeOf(Snapshot snapshot, int pid, int fd)
    {
        ProcessInfo process = snapshot.FindProcess(pid) ?? throw new InvalidOperationException($"{pid} not captured");
        FdInfo f = process.FindFd(fd) ?? throw new InvalidOperationException($"{pid} has no fd {fd}");
        Assert.Equal(FdKind.Pipe, f.Kind);
        return f.Target;
    }

    /// <summary>The only child of <paramref name="pid"/> in the snapshot whose name is <paramref name="name"/>.</summary>
    public static ProcessInfo Child(Snapshot snapshot, int pid, string? name = null) =>
        Assert.Single(snapshot.Processes, p => p.PPid == pid && (name is null || p.Name == name));
}
