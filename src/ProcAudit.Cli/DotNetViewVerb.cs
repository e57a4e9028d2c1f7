using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ProcAudit.DotNet;
using ProcAudit.Enrichment;
using ProcAudit.Reporting;
using ProcAudit.Views;

namespace ProcAudit.Cli;

/// <summary>
/// The .NET view of the .NET processes of an audit, taken in a process of its own (see
/// <see cref="Views.OutOfProcessDotNetView"/>: the native tool runs itself, the JIT-compiled tools and the MSBuild tasks
/// run the copy in managed/): <c>dotnet-view [--gap MS] BUDGET-MS PID...</c>, one run for all of them, so that its start is paid
/// once. It reads what needs only the pids at once (each heap twice, the pauses between
/// overlapping), while its caller waits for the audit's second look; then takes one line on stdin for each process,
/// <c>PID [TID...]</c> (the threads that look saw running, which may need the stack sample), and writes its view
/// (a <see cref="ManagedView"/>, made ready before the line came unless a running thread needs the sample) as one
/// line of JSON on stdout, until every process came or stdin ends.
/// </summary>
/// <remarks>
/// Parsed by hand, before the command-line library: its conventions cost a tenth of a second of reflection and JIT
/// at every start, on the path of every audit of a .NET process. The lines on stdin are plain numbers, not the
/// process as JSON, for the same reason: reading one cost this JIT-compiled process about 0.2 s.
/// </remarks>
internal static class DotNetViewVerb
{
    public const string Verb = "dotnet-view";

    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        // --gap MS: the least time between the two reads of each heap, when the audit's interval is shorter than the default.
        TimeSpan? gap = null;
        if (args is ["--gap", string gapText, .. string[] rest] && int.TryParse(gapText, NumberStyles.None, CultureInfo.InvariantCulture, out int gapMs))
        {
            gap = TimeSpan.FromMilliseconds(gapMs);
            args = rest;
        }
        if (args is ["--gap", ..]
            || args.Length < 2
            || !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out int budgetMs)
            || Pids(args[1..]) is not List<int> pids)
        {
            stderr.WriteLine($"procaudit: usage: {Verb} [--gap MS] BUDGET-MS PID... (a line PID [RUNNING-TID...] on stdin for each); it is run by procaudit itself");
            return ExitCodes.Usage;
        }
        TimeSpan budget = TimeSpan.FromMilliseconds(budgetMs);
        // The caller kills it three budgets and 3 s after it sent a line, but may exit first; a read still inside the
        // DAC then must not outlive it, one more stray process on a machine already in trouble. The reads are bounded
        // by their own budgets, each process after them by this watchdog, set again as each line comes.
        TimeSpan patience = budget * 3 + TimeSpan.FromSeconds(5);
        using Timer watchdog = new(_ =>
        {
            stderr.WriteLine($"procaudit: {Verb} gave up on {string.Join(", ", pids)} after three budgets of {budgetMs} ms");
            Environment.Exit(ExitCodes.CannotAudit);
        }, null, patience * pids.Count, Timeout.InfiniteTimeSpan);
        // One process after the other (ClrMD's DAC is one native library with global state, see ClrMdAttach), every
        // first read before any second, so that one pause serves them all.
        Dictionary<int, DotNetHeapReads> reads = pids.ToDictionary(p => p, p => DotNetEnricher.Read(p, budget, CancellationToken.None, gap));
        // Each view is written out before its line comes, as if no thread were running (the common case of a hang):
        // the caller waits for its second look meanwhile, and then for nothing but the line back.
        Dictionary<int, string> ready = new();
        foreach (int pid in pids)
        {
            reads[pid] = DotNetEnricher.ReadAgain(reads[pid], budget, CancellationToken.None);
            ready[pid] = ReportJson.SerializeManagedView(View(reads[pid], pid, [], budget));
        }
        while (reads.Count > 0 && stdin.ReadLine() is string line)
        {
            if (Pids(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)) is not [int pid, .. List<int> running])
            {
                stderr.WriteLine($"procaudit: {Verb}: a line on stdin is not PID [RUNNING-TID...]: {(line.Length > 80 ? line[..80] + "..." : line)}");
                return ExitCodes.Usage;
            }
            if (!reads.Remove(pid, out DotNetHeapReads? read))
            {
                stderr.WriteLine($"procaudit: {Verb}: the line on stdin is for {pid}, which is not one of {string.Join(", ", pids)} or came twice");
                return ExitCodes.Usage;
            }
            watchdog.Change(patience, Timeout.InfiniteTimeSpan);
            stdout.WriteLine(Answer(read, pid, running, ready[pid], budget, gap));
            stdout.Flush();
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// The view to send for a process, given its running threads: the one written out, unless a running thread ClrMD
    /// could not unwind needs the stack sample it did not take. The native build cannot take the sample (TraceEvent
    /// needs code generated at run time): it hands such a process to the JIT-compiled copy, whose start and JIT
    /// (about half a second) are paid only then, and keeps its own view, with a note, if that copy cannot run.
    /// </summary>
    private static string Answer(DotNetHeapReads read, int pid, List<int> running, string ready, TimeSpan budget, TimeSpan? gap)
    {
        if (RuntimeFeature.IsDynamicCodeSupported)
        {
            return DotNetEnricher.NeedsStacks(read, running) && !DotNetEnricher.NeedsStacks(read, [])
                ? ReportJson.SerializeManagedView(View(read, pid, running, budget))
                : ready;
        }
        if (!DotNetEnricher.NeedsStacks(read, running))
        {
            return ready;
        }
        ManagedView sampled = OutOfProcessDotNetView.ViewOne(RuntimeViews.ManagedCopy(), pid, running, budget, gap);
        if (sampled.RuntimeViews.Length > 0)
        {
            return ReportJson.SerializeManagedView(sampled);
        }
        ManagedView own = ReportJson.DeserializeManagedView(ready);
        return ReportJson.SerializeManagedView(own with { Notes = own.Notes.AddRange(sampled.Notes) });
    }

    /// <summary>One process's view; a failure of its own is a note on it, not the end of the others'.</summary>
    private static ManagedView View(DotNetHeapReads reads, int pid, IReadOnlyCollection<int> running, TimeSpan budget)
    {
        try
        {
            return DotNetEnricher.Finish(reads, pid, running, budget, CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new ManagedView { Pid = pid, Notes = [new Note("unreadable", $".NET view of {pid} failed: {e.GetType().Name}: {e.Message}", pid)] };
        }
    }

    /// <summary>Positive numbers, each once; null for anything else.</summary>
    private static List<int>? Pids(IEnumerable<string> words)
    {
        List<int> ids = new();
        foreach (string word in words)
        {
            if (!int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id <= 0 || ids.Contains(id))
            {
                return null;
            }
            ids.Add(id);
        }
        return ids;
    }
}
