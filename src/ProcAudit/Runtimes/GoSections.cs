using ProcAudit.Reporting;

namespace ProcAudit.Runtimes;

/// <summary>A Go process's goroutines in the text and HTML reports.</summary>
internal static class GoSections
{
    private const int MaxListedGoroutines = 20;

    /// <summary>
    /// The program's own goroutines, each with where its code waits and on what; the runtime's idle ones
    /// (GC workers, the finalizer, timers: no frame outside package runtime) are folded into a count.
    /// </summary>
    public static void WriteText(ProcessInfo p, TextWriter w)
    {
        if (p.Goroutines.IsDefaultOrEmpty)
        {
            return;
        }
        List<GoroutineInfo> own = Own(p);
        int idle = p.Goroutines.Length - own.Count;
        w.WriteLine($"    goroutines: {p.Goroutines.Length} ({p.Goroutines.Count(g => g.State == "waiting")} waiting{(idle > 0 ? $", {idle} idle runtime goroutine{(idle == 1 ? "" : "s")} folded" : "")})");
        foreach (GoroutineInfo g in own.Take(MaxListedGoroutines))
        {
            StackFrame? frame = GoWords.OwnFrame(g);
            string on = g.WaitsOn is null ? "" : $" on {S(g.WaitsOn)}{(g.ChannelCapacity is long cap ? $" {g.ChannelQueued}/{cap}" : "")}{(g.Fd is int fd ? $" (fd {fd}, {g.FdMode})" : "")}";
            string at = frame is null ? "" : $" at {S(frame.Function)} {S(Path.GetFileName(frame.File ?? ""))}:{frame.Line}";
            w.WriteLine($"      goroutine {g.Id} [{g.State}{(g.WaitReason is null ? "" : ": " + g.WaitReason)}{on}]{at}{(g.Moved ? "  (moved between two reads)" : "")}");
        }
        if (own.Count > MaxListedGoroutines)
        {
            w.WriteLine($"      + {own.Count - MaxListedGoroutines} more (the JSON report lists every one)");
        }
    }

    /// <summary>The same goroutines as a table.</summary>
    public static void WriteHtml(ProcessInfo p, TextWriter w)
    {
        List<GoroutineInfo> goroutines = Own(p);
        if (goroutines.Count == 0)
        {
            return;
        }
        w.Write("<table class=\"goroutines\">\n<tr><th>goroutine</th><th>state</th><th>waits on</th><th>at</th></tr>\n");
        foreach (GoroutineInfo g in goroutines.Take(MaxListedGoroutines))
        {
            StackFrame? frame = GoWords.OwnFrame(g);
            string at = frame is null ? "" : $"{frame.Function} {Path.GetFileName(frame.File ?? "")}:{frame.Line}";
            w.Write($"<tr><td>{g.Id}</td><td>{E(g.State)}{(g.WaitReason is null ? "" : ": " + E(g.WaitReason))}</td><td class=\"mono\">{E(g.WaitsOn ?? "")}</td><td class=\"mono\">{E(at)}</td></tr>\n");
        }
        w.Write("</table>\n");
    }

    /// <summary>The goroutines worth a line: running ones, and the program's own.</summary>
    private static List<GoroutineInfo> Own(ProcessInfo p) => p.Goroutines.Where(g => g.State == "running" || !GoWords.IsRuntimeGoroutine(g)).ToList();

    private static string S(string text) => TerminalText.Safe(text);

    private static string E(string text) => HtmlText.Escape(text);
}
