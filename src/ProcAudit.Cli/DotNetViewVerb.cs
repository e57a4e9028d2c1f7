using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ProcAudit.DotNet;
using ProcAudit.Enrichment;
using ProcAudit.Reporting;

namespace ProcAudit.Cli;

/// <summary>
/// The .NET view of the .NET processes of an audit, for the native build of this tool and for the MSBuild tasks: ClrMD
/// and TraceEvent need code generated at run time, so they run this hidden verb of the JIT-compiled copy (see
/// <see cref="Views.OutOfProcessDotNetView"/>): <c>dotnet-view BUDGET-MS PID...</c>, one run for all of them, so that
/// its start and JIT are paid once. It reads what needs only the pids at once, while its caller waits for the audit's
/// second look; then takes each process as that look saw it, one line of JSON on stdin, and writes its view as one line
/// of JSON on stdout, until every process came or stdin ends.
/// </summary>
/// <remarks>
/// Parsed by hand, before the command-line library: its conventions cost a tenth of a second of reflection and JIT
/// at every start, on the path of every audit of a .NET process.
/// </remarks>
internal static class DotNetViewVerb
{
    public const string Verb = "dotnet-view";

    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        List<int> pids = new();
        if (args.Length < 2
            || !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out int budgetMs)
            || !args[1..].All(a => int.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0 && Add(pids, pid)))
        {
            stderr.WriteLine($"procaudit: usage: {Verb} BUDGET-MS PID... (each process as a line of JSON on stdin); it is run by procaudit itself");
            return ExitCodes.Usage;
        }
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            // A constant in the native build: the view below is left out of it.
            stderr.WriteLine("procaudit: the .NET view runs only in the JIT-compiled copy of the tool");
            return ExitCodes.CannotAudit;
        }
        TimeSpan budget = TimeSpan.FromMilliseconds(budgetMs);
        // The caller kills it three budgets and 3 s after it sent a process, but may exit first; a read still inside
        // the DAC then must not outlive it, one more stray process on a machine already in trouble. The first reads
        // are bounded by their own budgets, each process after them by this watchdog, set again as each comes.
        TimeSpan patience = budget * 3 + TimeSpan.FromSeconds(5);
        using Timer watchdog = new(_ =>
        {
            stderr.WriteLine($"procaudit: {Verb} gave up on {string.Join(", ", pids)} after three budgets of {budgetMs} ms");
            Environment.Exit(ExitCodes.CannotAudit);
        }, null, patience * pids.Count, Timeout.InfiniteTimeSpan);
        // One after the other: ClrMD's DAC is one native library with global state (see ClrMdAttach).
        Dictionary<int, DotNetFirstRead> firstReads = pids.ToDictionary(p => p, p => DotNetEnricher.Read(p, budget, CancellationToken.None));
        while (firstReads.Count > 0 && stdin.ReadLine() is string line)
        {
            ProcessInfo process;
            try
            {
                process = ReportJson.DeserializeProcess(line);
            }
            catch (JsonException e)
            {
                stderr.WriteLine($"procaudit: {Verb}: a line on stdin is not a process procaudit wrote ({e.Message})");
                return ExitCodes.Usage;
            }
            if (!firstReads.Remove(process.Pid, out DotNetFirstRead? first))
            {
                stderr.WriteLine($"procaudit: {Verb}: the process on stdin is {process.Pid}, which is not one of {string.Join(", ", pids)} or came twice");
                return ExitCodes.Usage;
            }
            watchdog.Change(patience, Timeout.InfiniteTimeSpan);
            stdout.WriteLine(ReportJson.SerializeRuntimeView(View(first, process, budget)));
            stdout.Flush();
        }
        return ExitCodes.Ok;
    }

    /// <summary>One process's view; a failure of its own is a note on it, not the end of the others'.</summary>
    private static RuntimeView View(DotNetFirstRead first, ProcessInfo process, TimeSpan budget)
    {
        try
        {
            return DotNetEnricher.Finish(first, process, budget, CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new RuntimeView(process, [new Note("unreadable", $".NET view of {process.Pid} failed: {e.GetType().Name}: {e.Message}", process.Pid)]);
        }
    }

    private static bool Add(List<int> pids, int pid)
    {
        if (pids.Contains(pid))
        {
            return false;
        }
        pids.Add(pid);
        return true;
    }
}
