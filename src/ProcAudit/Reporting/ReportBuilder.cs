using System.Collections.Immutable;
using System.Reflection;
using ProcAudit.Analysis;
using ProcAudit.Analysis.Patterns;
using ProcAudit.Kinds;

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
            Objects = KindRegistry.Objects.SelectMany(k => k.Objects(s, a)).ToImmutableArray(),
            Waits = a.Waits,
            Cycles = a.Cycles,
            Findings = a.Findings.Select(f => f with { Chain = f.Waits.Select(e => a.Waits.IndexOf(e)).Where(i => i >= 0).ToImmutableArray() }).ToImmutableArray(),
            WaitEnds = a.Ends.Select(o => new ReportWaitEnd(o.Waiter, o.End, o.Summary, o.At,
                o.Chain.Select(e => a.Waits.IndexOf(e)).Where(i => i >= 0).ToImmutableArray())).ToImmutableArray(),
            Notes = s.Notes,
        };
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
            Analysis.Verdict.Deadlock => $"DEADLOCK in the tree of {root}: {a.Cycles.Length} wait cycle{(a.Cycles.Length == 1 ? "" : "s")} ({string.Join(", ", a.Cycles.Select(c => c.Pattern).Distinct())})"
                + (a.Findings.Length == 0 ? "." : $", and {a.Findings.Length} other finding{(a.Findings.Length == 1 ? "" : "s")} ({string.Join(", ", a.Findings.Select(f => f.Kind).Distinct())})."),
            Analysis.Verdict.Stalled => $"STALLED: the tree of {root} is blocked with no wait cycle ({string.Join(", ", a.Findings.Select(f => f.Kind).Distinct())}).",
            Analysis.Verdict.Exited => $"EXITED: {root} has exited.",
            Analysis.Verdict.Idle when a.Ends.IsDefaultOrEmpty => $"IDLE: no thread in the tree of {root} waits on anything ProcAudit follows (kernel threads and zombies have no user side).",
            Analysis.Verdict.Idle => $"IDLE: nothing in the tree of {root} moved{Sampled(result)}, and every wait ends in a timer or outside the tree: {Ends(a, k => k is WaitEndKind.Timer or WaitEndKind.Outside)}.",
            Analysis.Verdict.Blocked => $"BLOCKED: nothing in the tree of {root} moved{Sampled(result)}, and {Unexplained(a)} somewhere ProcAudit cannot explain ({PatternCatalogue.UnexplainedWait.Name}).",
            _ => result.Snapshot.IntervalMs > 0
                ? $"RUNNING: no deadlock or stall found in the tree of {root} ({processes} process{(processes == 1 ? "" : "es")})."
                : $"RUNNING: no deadlock or stall found in the tree of {root} ({processes} process{(processes == 1 ? "" : "es")}; single sample, progress not measured).",
        };
    }
}
