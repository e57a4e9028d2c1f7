using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ProcAudit.DotNet;
using ProcAudit.Reporting;

namespace ProcAudit.Cli;

/// <summary>
/// The .NET view of one process, for the native build of this tool and for the MSBuild tasks: ClrMD and TraceEvent
/// need code generated at run time, so they run this hidden verb of the JIT-compiled copy (see
/// <see cref="Views.OutOfProcessDotNetView"/>): <c>dotnet-view BUDGET-MS PID</c>. It reads what needs only the pid at
/// once, while its caller waits for the audit's second look; then the process as that look saw it, as JSON on stdin;
/// then writes the view as JSON on stdout.
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
        if (args.Length != 2
            || !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out int budgetMs)
            || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
        {
            stderr.WriteLine($"procaudit: usage: {Verb} BUDGET-MS PID (the process as JSON on stdin); it is run by procaudit itself");
            return ExitCodes.Usage;
        }
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            // A constant in the native build: the view below is left out of it.
            stderr.WriteLine("procaudit: the .NET view runs only in the JIT-compiled copy of the tool");
            return ExitCodes.CannotAudit;
        }
        TimeSpan budget = TimeSpan.FromMilliseconds(budgetMs);
        // The caller kills it three budgets and 3 s after it sent the process, but may exit first; a read still inside
        // the DAC then must not outlive it, one more stray process on a machine already in trouble. Before the
        // process comes, each read is bounded by its own budget.
        using Timer watchdog = new(_ =>
        {
            stderr.WriteLine($"procaudit: {Verb} gave up on {pid} after three budgets of {budgetMs} ms");
            Environment.Exit(ExitCodes.CannotAudit);
        }, null, budget * 3 + TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        DotNetFirstRead first = DotNetEnricher.Read(pid, budget, CancellationToken.None);
        ProcessInfo process;
        try
        {
            process = ReportJson.DeserializeProcess(stdin.ReadToEnd());
        }
        catch (JsonException e)
        {
            stderr.WriteLine($"procaudit: {Verb}: the process on stdin is not one procaudit wrote ({e.Message})");
            return ExitCodes.Usage;
        }
        if (process.Pid != pid)
        {
            stderr.WriteLine($"procaudit: {Verb}: the process on stdin is {process.Pid}, not {pid}");
            return ExitCodes.Usage;
        }
        watchdog.Change(budget * 3 + TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        stdout.WriteLine(ReportJson.SerializeRuntimeView(DotNetEnricher.Finish(first, process, budget, CancellationToken.None)));
        return ExitCodes.Ok;
    }
}
