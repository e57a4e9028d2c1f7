using System.Globalization;
using ProcAudit.Analysis;
using ProcAudit.Kinds;

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
                    if (!t.PythonStack.IsDefaultOrEmpty)
                    {
                        w.WriteLine($"      at {string.Join("\n      at ", t.PythonStack.Take(4).Select(f => S($"{f.Function} ({f.File}:{f.Line})")))}{(t.PythonStack.Length > 4 ? $"\n      ... {t.PythonStack.Length - 4} more frames" : "")}{(t.HoldsGil == true ? "\n      (holds the GIL)" : "")}");
                    }
                    if (!t.ManagedStack.IsDefaultOrEmpty)
                    {
                        // Innermost first; the first few frames say where it waits and who called.
                        w.WriteLine($"      at {string.Join("\n      at ", t.ManagedStack.Take(4).Select(S))}{(t.ManagedStack.Length > 4 ? $"\n      ... {t.ManagedStack.Length - 4} more frames" : "")}");
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
            if (!p.Goroutines.IsDefaultOrEmpty)
            {
                WriteGoroutines(p, w);
            }
            if (!p.AsyncFlows.IsDefaultOrEmpty)
            {
                WriteAsyncFlows(p, w);
            }
            if (p.ThreadPool is { Queued: > 0 } pool)
            {
                w.WriteLine($"    thread pool: {pool.Workers} worker{(pool.Workers == 1 ? "" : "s")}{(pool.MaxWorkers is int max ? $" (at most {max})" : "")}, {pool.Processing} in a work item" +
                    $"{(pool.Blocked is > 0 ? $" ({pool.Blocked} blocked in a wait)" : "")}, {pool.Queued} queued: {S(Some(pool.QueuedWork, 4))}{(pool.Moved ? " (the queue moved)" : "")}");
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
    private const int MaxListedGoroutines = 20;

    /// <summary>
    /// The program's own goroutines, each with where its code waits and on what; the runtime's idle ones
    /// (GC workers, the finalizer, timers: no frame outside package runtime) are folded into a count.
    /// </summary>
    /// <summary>Pending async flows, identical ones folded (as dumpasync --coalesce does): methods outermost first, then what the innermost awaits.</summary>
    private static void WriteAsyncFlows(ProcessInfo p, TextWriter w)
    {
        List<IGrouping<string, AsyncFlowInfo>> shapes = p.AsyncFlows
            .GroupBy(f => $"{string.Join(" > ", f.Frames)} [awaits {f.Awaits}{(f.WaitsOn is null ? "" : " " + f.WaitsOn)}{(f.Fd is int fd ? $" fd {fd}" : "")}{(f.Moved ? ", moved" : "")}]")
            .ToList();
        w.WriteLine($"    async flows: {p.AsyncFlows.Length} pending");
        foreach (IGrouping<string, AsyncFlowInfo> shape in shapes.Take(MaxListedEnds))
        {
            w.WriteLine($"      {S(shape.Key)}{(shape.Count() > 1 ? $" (x{shape.Count()})" : "")}");
        }
        if (shapes.Count > MaxListedEnds)
        {
            w.WriteLine($"      ... and {shapes.Count - MaxListedEnds} more shapes (each flow in the JSON report)");
        }
    }

    private static void WriteGoroutines(ProcessInfo p, TextWriter w)
    {
        List<GoroutineInfo> own = p.Goroutines.Where(g => g.State == "running" || !Describe.IsRuntimeGoroutine(g)).ToList();
        int idle = p.Goroutines.Length - own.Count;
        w.WriteLine($"    goroutines: {p.Goroutines.Length} ({p.Goroutines.Count(g => g.State == "waiting")} waiting{(idle > 0 ? $", {idle} idle runtime goroutine{(idle == 1 ? "" : "s")} folded" : "")})");
        foreach (GoroutineInfo g in own.Take(MaxListedGoroutines))
        {
            StackFrame? frame = Describe.OwnFrame(g);
            string on = g.WaitsOn is null ? "" : $" on {S(g.WaitsOn)}{(g.ChannelCapacity is long cap ? $" {g.ChannelQueued}/{cap}" : "")}{(g.Fd is int fd ? $" (fd {fd}, {g.FdMode})" : "")}";
            string at = frame is null ? "" : $" at {S(frame.Function)} {S(Path.GetFileName(frame.File ?? ""))}:{frame.Line}";
            w.WriteLine($"      goroutine {g.Id} [{g.State}{(g.WaitReason is null ? "" : ": " + g.WaitReason)}{on}]{at}{(g.Moved ? "  (moved between two reads)" : "")}");
        }
        if (own.Count > MaxListedGoroutines)
        {
            w.WriteLine($"      + {own.Count - MaxListedGoroutines} more (the JSON report lists every one)");
        }
    }

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
    /// blocked on a pipe another process holds. A runtime's idle helpers are folded into a count.
    /// </summary>
    private static bool Telling(Report report, ProcessInfo p, ThreadInfo t) =>
        t.Tid == p.Pid
        || report.Waits.Any(e => e.From.Tid == t.Tid || e.To.Tid == t.Tid)
        || p.ManagedLocks.Any(l => l.OwnerTid == t.Tid || l.WaiterTids.Contains(t.Tid))
        || (t.Syscall?.Object is string o && report.Objects.Any(x => x.Id == o));

    internal static string Who(Report report, WaitEnd end)
    {
        ProcessInfo? p = report.Processes.FirstOrDefault(x => x.Pid == end.Pid);
        string name = p is null ? "?" : S(Describe.DisplayName(p));
        if (end.Goroutine is long g)
        {
            return $"{name} {end.Pid} (goroutine {g})";
        }
        if (end.Flow is string flow)
        {
            AsyncFlowInfo? f = p?.AsyncFlows.FirstOrDefault(x => x.Id == flow);
            return $"{name} {end.Pid} (async {S(f is null || f.Frames.IsDefaultOrEmpty ? flow : f.Frames[^1])})";
        }
        return end.Tid is int tid && tid != end.Pid ? $"{name} {end.Pid} (thread {tid})" : $"{name} {end.Pid}";
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
