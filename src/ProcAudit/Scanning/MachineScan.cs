using System.Collections.Immutable;
using ProcAudit.Analysis;
using ProcAudit.Capture;
using ProcAudit.Capture.Procfs;
using ProcAudit.Reporting;

namespace ProcAudit.Scanning;

/// <summary>
/// Finds the hung trees of a machine from one capture of it: every process that did not move
/// between the samples is followed up its parents while they did not move either; each such
/// tree is cut out of the machine snapshot (<see cref="SnapshotSlice"/>) and analysed as an audit
/// of it would; a cycle or stall found there is given the outermost process that waits on it as
/// its root, and that root's tree is analysed again for the headline a person would read.
/// </summary>
internal static class MachineScan
{
    public static ScanResult Find(Snapshot machine, int processes, IReadOnlySet<int> own, ProcfsReader procfs, CancellationToken cancellationToken)
    {
        MachineIndex index = new(machine);
        Dictionary<int, ProcessInfo> byPid = index.ByPid;
        HashSet<int> still = machine.Processes.Where(p => p.Pid != 1 && !own.Contains(p.Pid) && Still(p)).Select(p => p.Pid).ToHashSet();

        // The top of each chain of still processes: where a person would start looking.
        SortedSet<int> tops = new(still.Select(pid =>
        {
            int top = pid;
            while (byPid.TryGetValue(top, out ProcessInfo? p) && still.Contains(p.PPid))
            {
                top = p.PPid;
            }
            return top;
        }));

        // Each tree's analysis is pure and its own (a machine has one tree per still process whose parent moves): on every core, then taken in order.
        int[] ordered = tops.ToArray();
        AuditResult[] analysed = new AuditResult[ordered.Length];
        Cores.For(0, ordered.Length, cancellationToken, (i, _) => analysed[i] = Auditor.Analyze(SnapshotSlice.Of(index, ordered[i])));

        Dictionary<int, string?> namespaces = new();
        string? NamespaceOf(int pid) => namespaces.TryGetValue(pid, out string? ns) ? ns : namespaces[pid] = PidNamespace(procfs, pid);
        Dictionary<int, (AuditResult Result, SortedSet<int> Pids)> hangs = new();
        List<ScanHang> blocked = new();
        for (int i = 0; i < ordered.Length; i++)
        {
            int top = ordered[i];
            AuditResult topResult = analysed[i];
            if (topResult.Analysis.Verdict == Verdict.Blocked)
            {
                blocked.Add(Describe(top, topResult, Unexplained(topResult.Analysis), byPid, procfs));
            }
            if (!Hung(topResult.Analysis.Verdict))
            {
                continue;
            }
            ILookup<int, WaitEdge>? waitsFrom = null; // for the climb to each problem's root: a tree's 640 problems each walked its every wait
            foreach (ImmutableArray<int> pids in Problems(topResult.Analysis))
            {
                List<int> inTree = pids.Where(pid => topResult.Snapshot.FindProcess(pid)?.InTree == true).ToList();
                if (inTree.Count == 0)
                {
                    continue; // only outsiders: their own tree's problem, found from there
                }
                if (pids.Any(own.Contains))
                {
                    continue; // it waits on the scan itself (procaudit scan | less), which is running
                }
                waitsFrom ??= topResult.Analysis.Waits.Where(w => w.To is not null).ToLookup(w => w.From.Pid);
                int root = RootOf(inTree, top, byPid, still, waitsFrom, NamespaceOf);
                if (hangs.TryGetValue(root, out (AuditResult Result, SortedSet<int> Pids) known))
                {
                    // Added in place: a new sorted copy for each of a root's 320 cycles was quadratic.
                    known.Pids.UnionWith(pids);
                    continue;
                }
                AuditResult rootResult = root == top ? topResult : Auditor.Analyze(SnapshotSlice.Of(index, root));
                if (Hung(rootResult.Analysis.Verdict))
                {
                    hangs[root] = (rootResult, new SortedSet<int>(pids));
                }
            }
        }

        List<ScanHang> found = hangs.Select(kv => Describe(kv.Key, kv.Value.Result, kv.Value.Pids.ToImmutableArray(), byPid, procfs)).ToList();
        return new ScanResult
        {
            CapturedAt = machine.CapturedAt,
            IntervalMs = machine.IntervalMs,
            Processes = processes,
            Hangs = found.OrderBy(h => h.Verdict == Verdict.Deadlock ? 0 : 1).ThenByDescending(h => h.StillSeconds ?? 0).ThenBy(h => h.Root).ToImmutableArray(),
            Blocked = blocked.OrderByDescending(h => h.StillSeconds ?? 0).ThenBy(h => h.Root).ToImmutableArray(),
            Unreadable = machine.Processes.Where(p => p.Restricted).Select(p => new UnreadableProcess(p.Pid, p.Name, p.Uid)).ToImmutableArray(),
        };
    }

    private static bool Hung(Verdict verdict) => verdict is Verdict.Deadlock or Verdict.Stalled;

    /// <summary>Alive, with threads, none of which ran, switched or changed syscall between the samples.</summary>
    private static bool Still(ProcessInfo p) =>
        p.State != "Z" && !p.KernelThread && !p.Threads.IsDefaultOrEmpty && p.Threads.All(t => t.State != "R" && t.Progress?.Moved != true);

    /// <summary>The processes of each cycle and each finding (not the unexplained waits).</summary>
    private static IEnumerable<ImmutableArray<int>> Problems(AnalysisResult analysis) =>
        analysis.Cycles.Select(c => c.Members.Select(m => m.Pid).Distinct().ToImmutableArray())
            .Concat(analysis.Findings.Where(f => f.Kind != EndFindings.Unexplained).Select(f => f.Pids));

    /// <summary>The processes with a wait ProcAudit cannot explain.</summary>
    private static ImmutableArray<int> Unexplained(AnalysisResult analysis) =>
        analysis.Findings.Where(f => f.Kind == EndFindings.Unexplained).SelectMany(f => f.Pids).Distinct().Order().ToImmutableArray();

    /// <summary>
    /// The nearest common ancestor of the problem's processes in the tree, then up its parents for as
    /// long as the parent is still and waits on something below it (a child's exit, a pipe from it):
    /// the outermost process that is part of the hang.
    /// </summary>
    /// <remarks>The climb stops at a pid namespace's edge: in a container the root is its process, named by both pids.</remarks>
    private static int RootOf(List<int> pids, int top, Dictionary<int, ProcessInfo> byPid, HashSet<int> still, ILookup<int, WaitEdge> waitsFrom, Func<int, string?> pidNamespace)
    {
        List<int> Chain(int pid)
        {
            List<int> chain = new() { pid };
            while (pid != top && byPid.TryGetValue(pid, out ProcessInfo? p))
            {
                pid = p.PPid;
                chain.Add(pid);
            }
            return chain;
        }
        List<int> common = Chain(pids[0]);
        foreach (int pid in pids.Skip(1))
        {
            HashSet<int> other = Chain(pid).ToHashSet();
            common = common.Where(other.Contains).ToList();
        }
        // Whether pid is ancestor or pid itself, climbing no higher than top: Chain(pid).Contains(ancestor), without a list per wait.
        bool Descends(int pid, int ancestor)
        {
            while (pid != ancestor)
            {
                if (pid == top || !byPid.TryGetValue(pid, out ProcessInfo? p))
                {
                    return false;
                }
                pid = p.PPid;
            }
            return true;
        }
        int root = common.Count > 0 ? common[0] : top;
        HashSet<int> problem = pids.ToHashSet();
        while (root != top && byPid.TryGetValue(root, out ProcessInfo? p) && still.Contains(p.PPid))
        {
            int parent = p.PPid;
            if (pidNamespace(parent) != pidNamespace(root))
            {
                break;
            }
            if (!waitsFrom[parent].Any(w => problem.Contains(w.To.Pid) || Descends(w.To.Pid, root)))
            {
                break;
            }
            root = parent;
        }
        return root;
    }

    private static string? PidNamespace(ProcfsReader procfs, int pid)
    {
        ProcText link = procfs.ReadLink($"{pid}/ns/pid");
        return link.Ok ? link.Text : null;
    }

    private static ScanHang Describe(int root, AuditResult result, ImmutableArray<int> pids, Dictionary<int, ProcessInfo> byPid, ProcfsReader procfs)
    {
        ProcessInfo p = byPid[root];
        AnalysisResult a = result.Analysis;
        string pattern = a.Cycles.FirstOrDefault()?.Pattern ?? a.Findings.FirstOrDefault(f => f.Kind != EndFindings.Unexplained)?.Kind ?? a.Findings.FirstOrDefault()?.Kind ?? "unknown";
        // The hang's blocked threads: how long since the most recent of them ran, against one reading of
        // the scheduler's clock taken after theirs (a root's 2,000 threads read it 2,000 times before).
        // Their sched files are read on every core: one per blocked thread, 1,280 in a 16x scan.
        (int Pid, int Tid)[] waiting = pids.Where(byPid.ContainsKey)
            .SelectMany(pid => byPid[pid].Threads.Where(t => t.Syscall is not null || t.State is "T" or "t" or "D").Select(t => (pid, t.Tid)))
            .ToArray();
        double?[] ran = new double?[waiting.Length];
        Cores.For(0, waiting.Length, CancellationToken.None, (i, _) => ran[i] = WaitClocks.LastRanSeconds(procfs, waiting[i].Pid, waiting[i].Tid));
        double? lastRan = ran.Max();
        double? stillFor = lastRan is double latest && WaitClocks.SchedulerNow(procfs) is double now ? Math.Max(0, now - latest) : null;
        ProcText status = procfs.ReadText($"{root}/status");
        ImmutableArray<int> nsPids = status.Ok ? StatusFile.NsPids(status.Text!) : ImmutableArray<int>.Empty;
        ProcText cgroup = procfs.ReadText($"{root}/cgroup");
        return new ScanHang
        {
            Root = root,
            Name = p.Name,
            Cmdline = p.Cmdline,
            Uid = p.Uid,
            Verdict = a.Verdict,
            Pattern = pattern,
            Headline = ReportBuilder.Headline(result),
            Pids = pids,
            StillSeconds = stillFor,
            NsPids = nsPids.Length > 1 ? nsPids : ImmutableArray<int>.Empty,
            Cgroup = cgroup.Ok ? CgroupFile.Path(cgroup.Text!) : null,
        };
    }
}
