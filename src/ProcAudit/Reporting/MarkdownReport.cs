using System.Globalization;
using System.Text;
using ProcAudit.Analysis;
using ProcAudit.Kinds;
using ProcAudit.Runtimes;

namespace ProcAudit.Reporting;

/// <summary>The report as Markdown, for CI job summaries (GITHUB_STEP_SUMMARY): verdict, cycles and findings with fixes, waits, processes.</summary>
public static class MarkdownReport
{
    /// <summary>Writes the report.</summary>
    public static void Write(Report report, TextWriter w)
    {
        w.WriteLine($"### ProcAudit: {Cell(report.Headline)}");
        w.WriteLine();
        foreach (Cycle c in report.Cycles)
        {
            w.WriteLine($"- **{c.Pattern}**: {Cell(c.Summary)}");
            w.WriteLine($"  - Fix: {Cell(c.Hint)}");
        }
        foreach (Finding f in report.Findings)
        {
            w.WriteLine($"- **{f.Kind}**: {Cell(f.Summary)}");
            w.WriteLine($"  - Fix: {Cell(f.Hint)}");
        }
        if (report.Waits.Length > 0)
        {
            w.WriteLine();
            w.WriteLine("| waiter | waits for | reason | object | certainty |");
            w.WriteLine("| --- | --- | --- | --- | --- |");
            foreach (WaitEdge e in report.Waits)
            {
                w.WriteLine($"| {Who(report, e.From)} | {Who(report, e.To)} | {e.Reason} | {Code(e.Object ?? "")} | {e.Certainty.ToString().ToLowerInvariant()} |");
            }
        }
        if (report.Waits.Length > 0)
        {
            // GitHub renders this in job summaries: who waits for whom, the cycle in red.
            w.WriteLine();
            w.WriteLine("```mermaid");
            w.Write(GraphText.Mermaid(report));
            w.WriteLine("```");
        }
        if (report.Verdict is Verdict.Idle or Verdict.Blocked && !report.WaitEnds.IsDefaultOrEmpty)
        {
            w.WriteLine();
            w.WriteLine("| where the wait ends | waiter and chain |");
            w.WriteLine("| --- | --- |");
            foreach (IGrouping<(WaitEndKind End, string Summary), ReportWaitEnd> g in report.WaitEnds.GroupBy(e => (e.End, e.Summary)))
            {
                w.WriteLine($"| {g.Key.End.ToString().ToLowerInvariant()} | {Cell(g.Key.Summary)}{(g.Count() > 1 ? $" (x{g.Count()})" : "")} |");
            }
        }
        w.WriteLine();
        w.WriteLine("<details><summary>Processes</summary>");
        w.WriteLine();
        w.WriteLine("| pid | ppid | name | state | in tree | command |");
        w.WriteLine("| --- | --- | --- | --- | --- | --- |");
        foreach (ProcessInfo p in report.Processes)
        {
            w.WriteLine($"| {p.Pid} | {p.PPid} | {Cell(Describe.DisplayName(p))} | {p.State} | {(p.InTree ? "yes" : "no")} | {Code(string.Join(' ', p.Cmdline))} |");
        }
        w.WriteLine();
        w.WriteLine("</details>");
        w.WriteLine();
        WriteStacks(report, w);
        if (report.Objects.Length > 0)
        {
            w.WriteLine("<details><summary>Objects</summary>");
            w.WriteLine();
            w.WriteLine("| kind | object |");
            w.WriteLine("| --- | --- |");
            foreach (ReportObject o in report.Objects)
            {
                w.WriteLine($"| {o.Kind.Name()} | {Cell(KindRegistry.ForObject(o.Kind).Row(o, report))} |");
            }
            w.WriteLine();
            w.WriteLine("</details>");
            w.WriteLine();
        }
    }

    private static string Who(Report report, WaitEnd end)
    {
        ProcessInfo? p = report.Processes.FirstOrDefault(x => x.Pid == end.Pid);
        string name = p is null ? "?" : Cell(Describe.DisplayName(p));
        return end.Tid is int tid && tid != end.Pid ? $"{name} {end.Pid} (thread {tid.ToString(CultureInfo.InvariantCulture)})" : $"{name} {end.Pid}";
    }

    /// <summary>Text from the audited tree, made safe for a table cell: no pipes, no newlines, no HTML, no control characters.</summary>
    /// <summary>The frames a runtime view read for each thread (a Python script's line, a managed stack), innermost first.</summary>
    private static void WriteStacks(Report report, TextWriter w)
    {
        List<string> rows = new();
        foreach (ProcessInfo p in report.Processes)
        {
            foreach (ThreadInfo t in p.Threads)
            {
                List<string> frames = RuntimeRegistry.Modules.SelectMany(m => m.ThreadLines(t))
                    .SelectMany(l => l.Split('\n')).Select(l => l.Trim()).Select(l => l.StartsWith("at ", StringComparison.Ordinal) ? l[3..] : l).ToList();
                if (frames.Count > 0)
                {
                    rows.Add($"| {p.Pid} | {t.Tid} | {Cell(t.Syscall?.Name ?? t.State)} | {string.Join("<br>", frames.Select(Cell))} |");
                }
            }
        }
        if (rows.Count == 0)
        {
            return;
        }
        w.WriteLine("<details><summary>Stacks</summary>");
        w.WriteLine();
        w.WriteLine("| pid | thread | in | frames (innermost first) |");
        w.WriteLine("| --- | --- | --- | --- |");
        foreach (string row in rows)
        {
            w.WriteLine(row);
        }
        w.WriteLine();
        w.WriteLine("</details>");
        w.WriteLine();
    }

    private static string Cell(string text)
    {
        StringBuilder sb = new(text.Length);
        foreach (char c in TerminalText.Safe(text))
        {
            sb.Append(c switch
            {
                '|' => "\\|",
                '<' => "&lt;",
                '>' => "&gt;",
                '&' => "&amp;",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }

    private static string Code(string text) => text.Length == 0 ? "" : "`" + Cell(text).Replace("`", "'", StringComparison.Ordinal) + "`";
}
