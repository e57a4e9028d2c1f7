using System.Globalization;
using ProcAudit.Analysis;
using ProcAudit.Kinds;
using ProcAudit.Runtimes;

namespace ProcAudit.Reporting;

/// <summary>
/// The terminal report: the verdict first, then each cycle or finding in one sentence with its fix,
/// then the waits, then the detail per process and pipe.
/// </summary>
public static class TextReport
{
    private const int MaxListedEnds = 12;

    /// <summary>
    /// When nothing moved, where each wait ends is the answer: the timers and outside waits of an
    /// idle tree, the unexplained ones of a blocked tree. Identical ends are told once.
    /// </summary>
    private static void WriteEnds(Report report, TextWriter w)
    {
        if (report.Verdict is not (Verdict.Idle or Verdict.Blocked) || report.WaitEnds.IsDefaultOrEmpty)
        {
            return;
        }
        List<IGrouping<(WaitEndKind End, string Summary), ReportWaitEnd>> ends = report.WaitEnds
            .GroupBy(e => (e.End, e.Summary))
            .OrderBy(g => g.Key.End == WaitEndKind.Unexplained ? 0 : 1)
            .ToList();
        w.WriteLine();
        w.WriteLine("Where the waits end:");
        foreach (IGrouping<(WaitEndKind End, string Summary), ReportWaitEnd> g in ends.Take(MaxListedEnds))
        {
            string more = g.Count() > 1 ? $" (x{g.Count()})" : "";
            w.WriteLine($"  [{g.Key.End.ToString().ToLowerInvariant()}] {S(g.Key.Summary)}{more}");
        }
        if (ends.Count > MaxListedEnds)
        {
            w.WriteLine($"  ... and {ends.Count - MaxListedEnds} more (each in the JSON report's waitEnds)");
        }
    }

    /// <summary>Writes the report.</summary>
    public static void Write(Report report, TextWriter w)
    {
        w.WriteLine(S(report.Headline));
        foreach (Cycle c in report.Cycles)
        {
            w.WriteLine();
            w.WriteLine($"  [{c.Pattern}] {S(c.Summary)}");
            w.WriteLine($"  Fix: {S(c.Hint)}");
        }
        foreach (Finding f in report.Findings)
        {
            w.WriteLine();
            w.WriteLine($"  [{f.Kind}] {S(f.Summary)}");
            w.WriteLine($"  Fix: {S(f.Hint)}");
        }

        List<List<WaitEdge>> waitGroups = WaitGroups.Of(report.Waits);
        if (report.Waits.Length > 0)
        {
            w.WriteLine();
            w.WriteLine("Waits:");
            foreach (List<WaitEdge> group in waitGroups)
            {
                WaitEdge e = group[0];
                string to = group.Count == 1 ? Who(report, e.To)
                    : $"{group.Count} processes ({Some(group.Select(g => Who(report, g.To)), WaitGroups.Named)})";
                string evidence = group.All(g => g.Evidence == e.Evidence) ? S(e.Evidence) : S(e.Evidence) + "; each edge in the JSON report";
                w.WriteLine($"  {Who(report, e.From)} -> {to}  {e.Reason}{(e.Object is null ? "" : " on " + e.Object)} ({e.Certainty.ToString().ToLowerInvariant()}: {evidence})");
            }
        }

        WriteEnds(report, w);

        w.WriteLine();
        w.WriteLine("Processes:");
        // A big tree is summarised: the processes that take part in a wait, a cycle or a finding
        // are shown; the rest are counted (the JSON report keeps them all).
        HashSet<int> involved = Involved(report, waitGroups);
        bool summarise = report.Processes.Length > MaxListedProcesses;
        List<ProcessInfo> quiet = summarise ? report.Processes.Where(p => !involved.Contains(p.Pid)).ToList() : new List<ProcessInfo>();
        foreach (ProcessInfo p in report.Processes.Except(quiet))
        {
            string where = p.Pid == report.Root ? "audited root" : p.InTree ? $"child of {p.PPid}" : $"OUTSIDE the tree, parent {p.PPid}";
            w.WriteLine($"  {p.Pid} {S(Describe.DisplayName(p))} [{p.State}] {where}{(p.Runtime is null ? "" : ", " + p.Runtime)}{(p.RuntimeViews.IsDefaultOrEmpty ? "" : " (" + string.Join(", ", p.RuntimeViews) + ")")}: {S(string.Join(' ', p.Cmdline))}");
            List<ThreadInfo> idle = new();
            foreach (ThreadInfo t in p.Threads)
            {
                if (Telling(report, p, t))
                {
                    w.WriteLine($"    thread {t.Tid} {S(t.Name)} [{t.State}] {Call(t)}{(t.Wchan is null ? "" : "  wchan " + S(t.Wchan))}{Moved(t)}");
                    foreach (string line in RuntimeRegistry.Modules.SelectMany(m => m.ThreadLines(t)))
                    {
                        w.WriteLine(line);
                    }
                }
                else
                {
                    idle.Add(t);
                }
            }
            if (idle.Count > 0)
            {
                string states = string.Join(", ", idle.GroupBy(t => t.Syscall?.Name ?? (t.State == "R" ? "running" : "user space")).Select(g => $"{g.Count()} in {g.Key}"));
                w.WriteLine($"    + {idle.Count} other thread{(idle.Count == 1 ? "" : "s")} ({states})");
            }
            foreach (RuntimeViewModule view in RuntimeRegistry.Modules)
            {
                view.WriteText(p, w);
            }
            IEnumerable<FdInfo> interesting = p.Fds.Where(f => KindRegistry.ForFd(f.Kind).ListedWithProcess);
            string fds = string.Join(", ", interesting.Select(f => $"{f.Fd}={S(f.Target)}{Access(f)}"));
            if (fds.Length > 0)
            {
                w.WriteLine($"    fds: {fds}");
            }
        }

        if (quiet.Count > 0)
        {
            string states = string.Join(", ", quiet.GroupBy(p => p.State).OrderByDescending(g => g.Count()).Select(g => $"{g.Count()} in state {g.Key}"));
            HashSet<int> counted = waitGroups.Where(g => g.Count > 1).SelectMany(g => g.Select(e => e.To.Pid)).ToHashSet();
            int among = quiet.Count(p => counted.Contains(p.Pid));
            string which = among == 0 ? "not involved in any wait" : $"not listed, {among} of them among the processes a wait above counts";
            w.WriteLine($"  + {quiet.Count} other processes {which} ({states}); the JSON report (--json) lists every one");
        }

        foreach (ObjectKindModule kind in KindRegistry.Blocks)
        {
            List<ReportObject> objects = report.Objects.Where(o => KindRegistry.ForObject(o.Kind) == kind).ToList();
            if (objects.Count > 0)
            {
                w.WriteLine();
                w.WriteLine($"{kind.Section}:");
                foreach (ReportObject o in objects)
                {
                    w.WriteLine($"  {kind.Row(o, report)}");
                }
            }
        }

        if (report.Notes.Length > 0)
        {
            w.WriteLine();
            w.WriteLine("Notes:");
            foreach (Note n in report.Notes)
            {
                w.WriteLine($"  {n.Kind}: {S(n.Message)}");
            }
        }
    }

    private const int MaxListedProcesses = 40;
    /// <summary>The first few of a long list, and how many more.</summary>
    internal static string Some(IEnumerable<string> items, int shown = 8)
    {
        List<string> all = items.ToList();
        return all.Count <= shown ? string.Join(", ", all) : string.Join(", ", all.Take(shown)) + $" and {all.Count - shown} more";
    }

    private static string S(string text) => TerminalText.Safe(text);

    private static HashSet<int> Involved(Report report, List<List<WaitEdge>> waitGroups)
    {
        HashSet<int> pids = new() { report.Root };
        foreach (List<WaitEdge> group in waitGroups)
        {
            pids.Add(group[0].From.Pid);
            // A parent waiting for its children does not make every child worth a line, nor do the
            // many holders of one pipe beyond those the wait names.
            if (group[0].Reason != WaitReasons.WaitChildExit)
            {
                pids.UnionWith(group.Take(WaitGroups.Named).Select(e => e.To.Pid));
            }
        }
        foreach (Finding f in report.Findings)
        {
            pids.UnionWith(f.Pids);
        }
        foreach (Cycle c in report.Cycles)
        {
            pids.UnionWith(c.Members.Select(m => m.Pid));
        }
        return pids;
    }

    /// <summary>
    /// Threads worth a line: the main thread, any thread in a wait of the report, any thread
    /// blocked on a pipe another process holds, any a runtime view has something to say about
    /// (a managed lock's owner or waiter). A runtime's idle helpers are folded into a count.
    /// </summary>
    private static bool Telling(Report report, ProcessInfo p, ThreadInfo t) =>
        t.Tid == p.Pid
        || report.Waits.Any(e => e.From.Tid == t.Tid || e.To.Tid == t.Tid)
        || RuntimeRegistry.Modules.Any(m => m.Telling(p, t))
        || (t.Syscall?.Object is string o && report.Objects.Any(x => x.Id == o));

    /// <summary>"python3 2346 (thread 2350)", "? 2346" when the process is unknown.</summary>
    internal static string Who(Report report, WaitEnd end)
    {
        WaiterName n = WaiterName.Of(report, end);
        return $"{S(n.Name ?? "?")} {n.Pid}{(n.Detail is null ? "" : $" ({S(n.Detail)})")}";
    }

    private static string Call(ThreadInfo t)
    {
        if (t.Syscall is not SyscallInfo call)
        {
            return t.State == "R" ? "running" : "syscall unknown";
        }
        string name = call.Name ?? "syscall " + call.Number.ToString(CultureInfo.InvariantCulture);
        return call.Fd is int fd ? $"{name}({fd}{(call.Object is null ? "" : " " + S(call.Object))})" : name;
    }

    private static string Moved(ThreadInfo t) => t.Progress is { Moved: true } ? "  (moved during the interval)" : "";

    private static string Access(FdInfo f) => f.Access switch
    {
        "read" => " r",
        "write" => " w",
        "readwrite" => " rw",
        _ => "",
    };
}
