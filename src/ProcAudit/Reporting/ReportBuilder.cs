using System.Collections.Immutable;
using System.Reflection;
using ProcAudit.Analysis;

namespace ProcAudit.Reporting;

/// <summary>Puts a snapshot and its analysis into the shape of the report contract.</summary>
public static class ReportBuilder
{
    /// <summary>The tool's version as reported.</summary>
    public static string ToolVersion { get; } =
        typeof(ReportBuilder).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>Builds the report.</summary>
    public static Report Build(AuditResult result)
    {
        Snapshot s = result.Snapshot;
        AnalysisResult a = result.Analysis;
        return new Report
        {
            Tool = new ToolInfo("procaudit", ToolVersion),
            CapturedAt = s.CapturedAt,
            Root = s.Root,
            Verdict = a.Verdict,
            Headline = Headline(result),
            IntervalMs = s.IntervalMs,
            Processes = s.Processes,
            Objects = s.Pipes.Where(p => Matters(p, a)).Select(p => new ReportObject
            {
                Id = p.Id,
                Kind = "pipe",
                Holders = p.Holders,
                QueuedBytes = p.QueuedBytes,
                CapacityBytes = p.CapacityBytes,
                Full = a.FullPipes.Contains(p.Id),
                QueuedBytesLater = p.QueuedBytesLater,
                HoldersComplete = p.HoldersComplete,
            }).Concat(s.Sockets.Where(k => Matters(k, s, a)).Select(k => new ReportObject
            {
                Id = k.Id,
                Kind = k.Kind,
                Holders = k.Holders,
                HoldersComplete = k.HoldersComplete,
                State = k.State,
                Local = k.Local,
                Remote = k.Remote,
                Path = k.Path,
                SendQueueBytes = k.SendQueueBytes,
                RecvQueueBytes = k.RecvQueueBytes,
                Peer = k.Peer,
                ZeroWindow = k.ZeroWindow,
            })).Concat(s.FileLocks.Where(l => a.Waits.Any(w => w.Object == l.Id)).GroupBy(l => l.Id).Select(g => new ReportObject
            {
                Id = g.Key,
                Kind = g.First().Class switch { "FLOCK" => "flock", "OFDLCK" => "ofd", string c => c.ToLowerInvariant() },
                Holders = g.Where(l => l.Pid is not null).Select(l => new Holder(l.Pid!.Value, l.Fd, l.Depth == 0 ? "owner" : "waiter")).Distinct().ToImmutableArray(),
                Path = g.Select(l => l.Path).FirstOrDefault(p => p is not null),
            })).ToImmutableArray(),
            Waits = a.Waits,
            Cycles = a.Cycles,
            Findings = a.Findings.Select(f => f with { Chain = f.Waits.Select(e => a.Waits.IndexOf(e)).Where(i => i >= 0).ToImmutableArray() }).ToImmutableArray(),
            WaitEnds = a.Ends.Select(o => new ReportWaitEnd(o.Waiter, o.End, o.Summary, o.At,
                o.Chain.Select(e => a.Waits.IndexOf(e)).Where(i => i >= 0).ToImmutableArray())).ToImmutableArray(),
            Notes = s.Notes,
        };
    }

    /// <summary>
    /// A pipe matters when something waits on it or it joins two processes; a runtime's private
    /// self-pipe (both ends in one process, nobody waiting) stays in that process's fds only.
    /// </summary>
    private static bool Matters(PipeInfo pipe, AnalysisResult analysis) =>
        pipe.Holders.Select(h => h.Pid).Distinct().Skip(1).Any()
        || analysis.Waits.Any(w => w.Object == pipe.Id)
        || analysis.Findings.Any(f => f.Object == pipe.Id);

    /// <summary>A socket matters when something waits on it, it is named in a finding, or it is the peer of one that does.</summary>
    private static bool Matters(SocketInfo socket, Snapshot snapshot, AnalysisResult analysis)
    {
        bool Involved(string id) => analysis.Waits.Any(w => w.Object == id) || analysis.Findings.Any(f => f.Object == id);
        return Involved(socket.Id) || snapshot.Sockets.Any(o => o.Peer == socket.Id && Involved(o.Id));
    }

    /// <summary>The first line a person reads.</summary>
    public static string Headline(AuditResult result)
    {
        AnalysisResult a = result.Analysis;
        Describe d = new(result.Snapshot);
        string root = d.Process(result.Snapshot.Root);
        int processes = result.Snapshot.Processes.Count(p => p.InTree);
        int restricted = result.Snapshot.Processes.Count(p => p.Restricted);
        string incomplete = restricted == 0 ? ""
            : $" Incomplete: {restricted} process{(restricted == 1 ? "" : "es")} could not be looked into (another user's; run as that user or as root).";
        return Verdict(a, result, root, processes) + incomplete;
    }

    private const string EndFindingsKind = "unexplained-wait";

    private static string Sampled(AuditResult result) =>
        result.Snapshot.IntervalMs > 0 ? $" in {result.Snapshot.IntervalMs} ms" : " (single sample, so progress was not measured)";

    /// <summary>"1 wait leads", "3 waits lead": the waits that end neither in movement, a timer nor the outside world.</summary>
    private static string Unexplained(AnalysisResult a)
    {
        int n = a.Ends.Count(e => e.End is not (WaitEndKind.Moved or WaitEndKind.Timer or WaitEndKind.Outside));
        return n == 1 ? "1 wait leads" : $"{n} waits lead";
    }

    /// <summary>The first two distinct ends in words, and how many more.</summary>
    private static string Ends(AnalysisResult a, Func<WaitEndKind, bool> which)
    {
        // One line per place the waits end, told by the waiter that is there itself when there is one.
        List<string> ends = a.Ends.Where(e => which(e.End)).GroupBy(e => (e.End, e.At))
            .Select(g => (g.FirstOrDefault(e => e.Waiter == e.At) ?? g.First()).Summary).Distinct().ToList();
        return ends.Count == 0 ? "nothing waits"
            : string.Join("; ", ends.Take(2)) + (ends.Count > 2 ? $"; and {ends.Count - 2} more" : "");
    }

    private static string Verdict(AnalysisResult a, AuditResult result, string root, int processes)
    {
        return a.Verdict switch
        {
            Analysis.Verdict.Deadlock => $"DEADLOCK in the tree of {root}: {a.Cycles.Length} wait cycle{(a.Cycles.Length == 1 ? "" : "s")} ({string.Join(", ", a.Cycles.Select(c => c.Pattern).Distinct())}).",
            Analysis.Verdict.Stalled => $"STALLED: the tree of {root} is blocked with no wait cycle ({string.Join(", ", a.Findings.Select(f => f.Kind).Distinct())}).",
            Analysis.Verdict.Exited => $"EXITED: {root} has exited.",
            Analysis.Verdict.Idle when a.Ends.IsDefaultOrEmpty => $"IDLE: no thread in the tree of {root} waits on anything ProcAudit follows (kernel threads and zombies have no user side).",
            Analysis.Verdict.Idle => $"IDLE: nothing in the tree of {root} moved{Sampled(result)}, and every wait ends in a timer or outside the tree: {Ends(a, k => k is WaitEndKind.Timer or WaitEndKind.Outside)}.",
            Analysis.Verdict.Blocked => $"BLOCKED: nothing in the tree of {root} moved{Sampled(result)}, and {Unexplained(a)} somewhere ProcAudit cannot explain ({EndFindingsKind}).",
            _ => result.Snapshot.IntervalMs > 0
                ? $"RUNNING: no deadlock or stall found in the tree of {root} ({processes} process{(processes == 1 ? "" : "es")})."
                : $"RUNNING: no deadlock or stall found in the tree of {root} ({processes} process{(processes == 1 ? "" : "es")}; single sample, progress not measured).",
        };
    }
}
