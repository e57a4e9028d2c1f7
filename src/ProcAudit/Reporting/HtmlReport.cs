using System.Globalization;
using ProcAudit.Analysis;
using ProcAudit.Kinds;
using ProcAudit.Runtimes;

namespace ProcAudit.Reporting;

/// <summary>
/// The report as one self-contained HTML page, to open in a browser or keep as a CI artifact: the
/// headline, each cycle and finding with its fix, the wait graph as inline SVG (laid out by a real
/// layout engine, see <see cref="IGraphLayout"/>), the waits, and the processes in detail. It needs
/// nothing else: no script, no style sheet, font or image from elsewhere, and its content security
/// policy forbids them all, so even a name that slipped through could neither run nor fetch anything.
/// Every text from the audited tree is escaped (<see cref="HtmlText"/>).
/// </summary>
public static class HtmlReport
{
    private const int MaxDetailedProcesses = 40;
    private const int MaxListedThreads = 64;

    private const string Style = """
        body { font-family: system-ui, sans-serif; margin: 1.5em; color: #111; max-width: 120em; }
        h1 { font-size: 1.35em; padding: .5em .7em; border-left: .4em solid #888; background: #f4f4f4; }
        h1.deadlock { border-color: #dd0000; background: #fff0f0; }
        h1.stalled, h1.blocked { border-color: #ee7700; background: #fff6ec; }
        h1.running, h1.idle, h1.exited { border-color: #2a8a2a; background: #f0fff0; }
        h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
        .meta, .legend, .note { color: #555; font-size: .9em; }
        article { margin: .8em 0; padding: .4em .8em; border: 1px solid #ddd; border-radius: 4px; }
        article.cycle { border-left: .3em solid #dd0000; }
        article.finding { border-left: .3em solid #ee7700; }
        article h3 { margin: .2em 0; font-size: 1em; font-family: monospace; }
        .fix { background: #f3f8f3; padding: .3em .5em; }
        .graph { overflow: auto; border: 1px solid #ddd; }
        table { border-collapse: collapse; font-size: .9em; margin: .5em 0; }
        th, td { border: 1px solid #ddd; padding: .2em .5em; text-align: left; vertical-align: top; }
        th { background: #f4f4f4; }
        code, td.mono { font-family: monospace; word-break: break-all; }
        tr.outside td { background: #fff0f0; }
        details { margin: .4em 0; }
        summary { cursor: pointer; font-family: monospace; }
        """;

    /// <summary>Writes the page. The wait graph is laid out by <paramref name="layout"/>; without one, or when it fails, the page says why and shows the waits as a table only.</summary>
    public static void Write(Report report, IGraphLayout? layout, TextWriter w, CancellationToken cancellationToken = default)
    {
        w.Write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        w.Write("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
        w.Write("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        w.Write($"<title>ProcAudit: {E(report.Headline)}</title>\n<style>\n{Style}</style>\n</head>\n<body>\n");
        string verdict = report.Verdict.ToString().ToLowerInvariant();
        w.Write($"<header>\n<h1 class=\"verdict {verdict}\" data-verdict=\"{verdict}\">{E(report.Headline)}</h1>\n");
        w.Write($"<p class=\"meta\">Audited pid {report.Root} at {report.CapturedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC; "
            + $"{Processes(report.Processes.Length)}; {Sampling(report)}; {E(report.Tool.Name)} {E(report.Tool.Version)}.</p>\n</header>\n");
        WriteProblems(report, w);
        WriteGraph(report, layout, w, cancellationToken);
        WriteWaits(report, w);
        WriteEnds(report, w);
        WriteProcesses(report, w);
        WriteObjects(report, w);
        WriteNotes(report, w);
        w.Write("</body>\n</html>\n");
    }

    private static string Sampling(Report report) =>
        report.IntervalMs > 0 ? $"two samples {report.IntervalMs} ms apart" : "one sample";

    private static void WriteProblems(Report report, TextWriter w)
    {
        if (report.Cycles.IsDefaultOrEmpty && report.Findings.IsDefaultOrEmpty)
        {
            return;
        }
        w.Write("<section id=\"problems\">\n<h2>Cycles and findings</h2>\n");
        int i = 0;
        foreach (Cycle c in report.Cycles)
        {
            i++;
            string members = string.Join(", ", c.Members.Select(m => Who(report, m)));
            w.Write($"<article class=\"cycle\" id=\"cycle-{i}\" data-pattern=\"{E(c.Pattern)}\">\n<h3>{E(c.Pattern)} (wait cycle)</h3>\n");
            w.Write($"<p class=\"summary\">{E(c.Summary)}</p>\n<p class=\"fix\"><strong>Fix:</strong> {E(c.Hint)}</p>\n<p class=\"members note\">In the cycle: {E(members)}</p>\n</article>\n");
        }
        i = 0;
        foreach (Finding f in report.Findings)
        {
            i++;
            string pids = string.Join(", ", f.Pids.Select(p => Who(report, new WaitEnd(p))));
            w.Write($"<article class=\"finding\" id=\"finding-{i}\" data-kind=\"{E(f.Kind)}\">\n<h3>{E(f.Kind)}</h3>\n");
            w.Write($"<p class=\"summary\">{E(f.Summary)}</p>\n<p class=\"fix\"><strong>Fix:</strong> {E(f.Hint)}</p>\n<p class=\"members note\">Processes: {E(pids)}</p>\n</article>\n");
        }
        w.Write("</section>\n");
    }

    private static void WriteGraph(Report report, IGraphLayout? layout, TextWriter w, CancellationToken cancellationToken)
    {
        if (report.Waits.IsDefaultOrEmpty)
        {
            return;
        }
        w.Write("<section id=\"graph\">\n<h2>Wait graph</h2>\n");
        w.Write($"<p class=\"legend\">Who waits for whom: each wait is drawn from the waiter to the object it waits on (rounded boxes) and on to whoever holds the other end. "
            + $"<span style=\"color:{SvgPicture.CycleColour}\">Red: a wait cycle.</span> <span style=\"color:{SvgPicture.ChainColour}\">Orange: a finding's chain.</span> "
            + "Dashed edges are inferred; dashed pink boxes are processes outside the audited tree.</p>\n");
        WaitPicture picture = WaitPicture.Of(report);
        LayoutRequest request = SvgPicture.Request(picture);
        string? failure = null;
        GraphLayout? placed = null;
        if (layout is null)
        {
            failure = "no layout engine was given";
        }
        else
        {
            try
            {
                placed = layout.Layout(request, cancellationToken);
                GraphLayoutJson.Check(placed, request);
            }
            catch (GraphLayoutException e)
            {
                failure = e.Message;
            }
        }
        if (placed is not null && failure is null)
        {
            w.Write("<div class=\"graph\">\n");
            SvgPicture.Write(picture, request, placed, w);
            w.Write("</div>\n");
        }
        else
        {
            w.Write($"<p class=\"no-graph note\">The wait graph could not be drawn: {E(failure ?? "")}. The waits below say the same in a table.</p>\n");
        }
        if (picture.Omitted > 0)
        {
            w.Write($"<p class=\"note\">{picture.Omitted} more waits are not drawn; the table below and the JSON report list every one.</p>\n");
        }
        w.Write("</section>\n");
    }

    private static void WriteWaits(Report report, TextWriter w)
    {
        if (report.Waits.IsDefaultOrEmpty)
        {
            return;
        }
        w.Write("<section id=\"waits\">\n<h2>Waits</h2>\n<table class=\"waits\">\n<tr><th>waiter</th><th>waits for</th><th>reason</th><th>object</th><th>certainty</th><th>evidence</th></tr>\n");
        foreach (WaitEdge e in report.Waits)
        {
            w.Write($"<tr><td>{E(Who(report, e.From))}</td><td>{E(Who(report, e.To))}</td><td>{E(e.Reason)}{(e.Fd is int fd ? $" fd {fd}" : "")}</td>"
                + $"<td class=\"mono\">{E(e.Object ?? "")}</td><td>{e.Certainty.ToString().ToLowerInvariant()}</td><td>{E(e.Evidence)}</td></tr>\n");
        }
        w.Write("</table>\n</section>\n");
    }

    private static void WriteEnds(Report report, TextWriter w)
    {
        if (report.Verdict is not (Verdict.Idle or Verdict.Blocked) || report.WaitEnds.IsDefaultOrEmpty)
        {
            return;
        }
        w.Write("<section id=\"ends\">\n<h2>Where the waits end</h2>\n<table>\n<tr><th>end</th><th>the wait, followed</th><th>waiters</th></tr>\n");
        foreach (IGrouping<(WaitEndKind End, string Summary), ReportWaitEnd> g in report.WaitEnds.GroupBy(e => (e.End, e.Summary)))
        {
            w.Write($"<tr><td>{g.Key.End.ToString().ToLowerInvariant()}</td><td>{E(g.Key.Summary)}</td><td>{g.Count()}</td></tr>\n");
        }
        w.Write("</table>\n</section>\n");
    }

    private static void WriteProcesses(Report report, TextWriter w)
    {
        w.Write("<section id=\"processes\">\n<h2>Processes</h2>\n<table class=\"processes\">\n<tr><th>pid</th><th>ppid</th><th>name</th><th>state</th><th>where</th><th>runtime</th><th>command line</th></tr>\n");
        foreach (ProcessInfo p in report.Processes)
        {
            string where = p.Pid == report.Root ? "audited root" : p.InTree ? "in the tree" : "OUTSIDE the tree";
            string runtime = p.Runtime is null ? "" : p.Runtime + (p.RuntimeVersion is null ? "" : " " + p.RuntimeVersion);
            w.Write($"<tr id=\"pid-{p.Pid}\"{(p.InTree ? "" : " class=\"outside\"")}><td>{p.Pid}</td><td>{p.PPid}</td><td>{E(Describe.DisplayName(p))}</td><td>{E(p.State)}</td>"
                + $"<td>{where}</td><td>{E(runtime)}</td><td class=\"mono\">{E(string.Join(' ', p.Cmdline))}</td></tr>\n");
        }
        w.Write("</table>\n");
        // Past a few dozen processes only those a wait, cycle or finding names get their threads and fds.
        HashSet<int> named = report.Waits.SelectMany(e => new[] { e.From.Pid, e.To.Pid })
            .Concat(report.Findings.SelectMany(f => f.Pids))
            .Concat(report.Cycles.SelectMany(c => c.Members.Select(m => m.Pid)))
            .Append(report.Root)
            .ToHashSet();
        List<ProcessInfo> detailed = report.Processes.Length <= MaxDetailedProcesses ? report.Processes.ToList() : report.Processes.Where(p => named.Contains(p.Pid)).ToList();
        foreach (ProcessInfo p in detailed)
        {
            WriteProcess(report, p, named.Contains(p.Pid), w);
        }
        if (detailed.Count < report.Processes.Length)
        {
            w.Write($"<p class=\"note\">{Processes(report.Processes.Length - detailed.Count)} that no wait names {(report.Processes.Length - detailed.Count == 1 ? "is" : "are")} only in the table; the JSON report has their threads and fds.</p>\n");
        }
        w.Write("</section>\n");
    }

    private static void WriteProcess(Report report, ProcessInfo p, bool open, TextWriter w)
    {
        w.Write($"<details class=\"process\" id=\"process-{p.Pid}\"{(open ? " open" : "")}>\n<summary>{p.Pid} {E(Describe.DisplayName(p))} [{E(p.State)}], {p.Threads.Length} thread{(p.Threads.Length == 1 ? "" : "s")}</summary>\n");
        if (p.Threads.Length > 0)
        {
            w.Write("<table class=\"threads\">\n<tr><th>tid</th><th>name</th><th>state</th><th>system call</th><th>wchan</th><th>where</th></tr>\n");
            foreach (ThreadInfo t in p.Threads.Take(MaxListedThreads))
            {
                w.Write($"<tr><td>{t.Tid}</td><td>{E(t.Name)}</td><td>{E(t.State)}{(t.Progress is { Moved: true } ? " (moved)" : "")}</td><td class=\"mono\">{E(Call(t))}</td>"
                    + $"<td class=\"mono\">{E(t.Wchan ?? "")}</td><td class=\"mono\">{E(Where(t))}</td></tr>\n");
            }
            w.Write("</table>\n");
            if (p.Threads.Length > MaxListedThreads)
            {
                w.Write($"<p class=\"note\">{p.Threads.Length - MaxListedThreads} more threads in the JSON report.</p>\n");
            }
        }
        foreach (RuntimeViewModule view in RuntimeRegistry.Modules)
        {
            view.WriteHtml(p, w);
        }
        List<FdInfo> fds = p.Fds.Where(f => KindRegistry.ForFd(f.Kind).ListedWithProcess).ToList();
        if (fds.Count > 0)
        {
            w.Write($"<p class=\"fds\">fds: <code>{E(string.Join(", ", fds.Select(f => $"{f.Fd}={f.Target}{(f.Access is null ? "" : " " + f.Access)}")))}</code></p>\n");
        }
        w.Write("</details>\n");
    }

    private static void WriteObjects(Report report, TextWriter w)
    {
        if (report.Objects.IsDefaultOrEmpty)
        {
            return;
        }
        w.Write("<section id=\"objects\">\n<h2>Objects</h2>\n<table class=\"objects\">\n<tr><th>kind</th><th>object, state and holders</th></tr>\n");
        foreach (ReportObject o in report.Objects)
        {
            w.Write($"<tr><td>{o.Kind.Name()}</td><td class=\"mono\">{E(KindRegistry.ForObject(o.Kind).Row(o, report))}</td></tr>\n");
        }
        w.Write("</table>\n</section>\n");
    }

    private static void WriteNotes(Report report, TextWriter w)
    {
        if (report.Notes.IsDefaultOrEmpty)
        {
            return;
        }
        w.Write("<section id=\"notes\">\n<h2>Notes</h2>\n<ul>\n");
        foreach (Note n in report.Notes)
        {
            w.Write($"<li>{E(n.Kind)}: {E(n.Message)}</li>\n");
        }
        w.Write("</ul>\n</section>\n");
    }

    private static string Who(Report report, WaitEnd end) => WaiterName.Of(report, end).Plain;

    private static string Call(ThreadInfo t) =>
        t.Syscall is not SyscallInfo call ? (t.State == "R" ? "running" : "")
            : (call.Name ?? "syscall " + call.Number.ToString(CultureInfo.InvariantCulture)) + (call.Fd is int fd ? $"({fd}{(call.Object is null ? "" : " " + call.Object)})" : "");

    /// <summary>The innermost frame a runtime view gave for the thread, if any.</summary>
    private static string Where(ThreadInfo t) => RuntimeRegistry.Modules.Select(m => m.InnermostFrame(t)).FirstOrDefault(f => f is not null) ?? "";

    private static string E(string text) => HtmlText.Escape(text);

    private static string Processes(int count) => count == 1 ? "1 process" : $"{count} processes";
}
