using ProcAudit.Analysis;
using ProcAudit.Runtimes;

namespace ProcAudit.Reporting;

/// <summary>
/// How the reports name one end of a wait: its process's name and pid, and which of the process's waiters it is
/// (a thread, or a waiter a runtime view names: a goroutine, an async flow by its innermost awaiting method) when it
/// is not the process as a whole.
/// Each format joins the parts in its own way and escapes them for itself.
/// </summary>
/// <param name="Name">The process's name, or null when the report does not have the process.</param>
/// <param name="Pid">Its pid.</param>
/// <param name="Detail">"thread 1235", "goroutine 7", "async Abba.Flow"; null for the process as a whole (or its main thread).</param>
internal sealed record WaiterName(string? Name, int Pid, string? Detail)
{
    public static WaiterName Of(Report report, WaitEnd end)
    {
        ProcessInfo? p = report.Processes.FirstOrDefault(x => x.Pid == end.Pid);
        string? detail = RuntimeRegistry.WaiterDetail(p, end) ?? (end.Tid is int tid && tid != end.Pid ? $"thread {tid}" : null);
        return new WaiterName(p is null ? null : Describe.DisplayName(p), end.Pid, detail);
    }

    /// <summary>"python3 2346 thread 2350", "process 2346" when the process is unknown: the form of the picture and the HTML page, unescaped.</summary>
    public string Plain => $"{Name ?? "process"} {Pid}{(Detail is null ? "" : " " + Detail)}";
}
