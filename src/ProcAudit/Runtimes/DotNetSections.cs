using System.Globalization;
using ProcAudit.Reporting;

namespace ProcAudit.Runtimes;

/// <summary>A .NET process in the text report: its threads' managed frames, its pending async flows, its thread pool.</summary>
internal static class DotNetSections
{
    private const int MaxListedShapes = 12;

    /// <summary>Innermost first; the first few frames say where it waits and who called.</summary>
    public static IEnumerable<string> ThreadLines(ThreadInfo t)
    {
        if (!t.ManagedStack.IsDefaultOrEmpty)
        {
            yield return $"      at {string.Join("\n      at ", t.ManagedStack.Take(4).Select(S))}{(t.ManagedStack.Length > 4 ? $"\n      ... {t.ManagedStack.Length - 4} more frames" : "")}";
        }
    }

    public static void WriteText(ProcessInfo p, TextWriter w)
    {
        if (!p.AsyncFlows.IsDefaultOrEmpty)
        {
            WriteAsyncFlows(p, w);
        }
        if (p.ThreadPool is { Queued: > 0 } pool)
        {
            w.WriteLine($"    thread pool: {pool.Workers} worker{(pool.Workers == 1 ? "" : "s")}{(pool.MaxWorkers is int max ? $" (at most {max})" : "")}, {pool.Processing} in a work item" +
                $"{(pool.Blocked is > 0 ? $" ({pool.Blocked} blocked in a wait)" : "")}, {pool.Queued} queued: {S(TextReport.Some(pool.QueuedWork, 4))}{(pool.Moved ? " (the queue moved)" : "")}");
        }
    }

    /// <summary>Pending async flows, identical ones folded (as dumpasync --coalesce does): methods outermost first, then what the innermost awaits.</summary>
    private static void WriteAsyncFlows(ProcessInfo p, TextWriter w)
    {
        List<IGrouping<string, AsyncFlowInfo>> shapes = p.AsyncFlows
            .GroupBy(f => $"{string.Join(" > ", f.Frames.Select((frame, i) => i < f.FrameSites.Length && f.FrameSites[i] is string site ? $"{frame} ({site})" : frame))} [awaits {f.Awaits}{(f.WaitsOn is null ? "" : " " + f.WaitsOn)}{(f.Fd is int fd ? $" fd {fd}" : "")}{(f.Moved ? ", moved" : "")}]")
            .ToList();
        w.WriteLine(p.AsyncFlowsFound is int found
            ? $"    async flows: {found.ToString("N0", CultureInfo.InvariantCulture)} pending (the first {p.AsyncFlows.Length.ToString("N0", CultureInfo.InvariantCulture)} listed)"
            : $"    async flows: {p.AsyncFlows.Length} pending");
        foreach (IGrouping<string, AsyncFlowInfo> shape in shapes.Take(MaxListedShapes))
        {
            w.WriteLine($"      {S(shape.Key)}{(shape.Count() > 1 ? $" (x{shape.Count()})" : "")}");
        }
        if (shapes.Count > MaxListedShapes)
        {
            w.WriteLine($"      ... and {shapes.Count - MaxListedShapes} more shapes (each flow in the JSON report)");
        }
    }

    private static string S(string text) => TerminalText.Safe(text);
}
