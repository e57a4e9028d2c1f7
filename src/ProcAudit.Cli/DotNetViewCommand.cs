using System.Globalization;
using System.Runtime.CompilerServices;
using McMaster.Extensions.CommandLineUtils;
using ProcAudit.DotNet;
using ProcAudit.Reporting;

namespace ProcAudit.Cli;

/// <summary>
/// The .NET view of one process, for the native build of this tool: ClrMD and TraceEvent need code
/// generated at run time, so the native tool runs this verb of its JIT-compiled copy (see
/// <see cref="Views.OutOfProcessDotNetView"/>). Reads the process as JSON on stdin, writes the view as JSON on stdout.
/// </summary>
[Command(Verb, ShowInHelpText = false)]
internal sealed class DotNetViewCommand : CommandBase
{
    public const string Verb = "dotnet-view";

    [Argument(0, "budget-ms", Description = "How long each part of the view may take.")]
    public string? BudgetMs { get; set; }

    protected override int Run(CommandLineApplication app, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!int.TryParse(Required(BudgetMs, "budget-ms"), NumberStyles.None, CultureInfo.InvariantCulture, out int budget))
        {
            throw new CliException(ExitCodes.Usage, "budget-ms must be a number of milliseconds");
        }
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            // A constant in the native build: the view below is left out of it.
            throw new CliException(ExitCodes.CannotAudit, "the .NET view runs only in the JIT-compiled copy of the tool");
        }
        ProcessInfo process = ReportJson.DeserializeProcess(Console.In.ReadToEnd());
        // The caller kills it three budgets and 3 s after it started and gives up 1 s later, but may exit first; a read
        // still inside the DAC then must not outlive it, one more stray process on a machine already in trouble.
        using Timer watchdog = new(_ =>
        {
            Console.Error.WriteLine($"dotnet-view: gave up on {process.Pid} after three budgets of {budget} ms");
            Environment.Exit(ExitCodes.CannotAudit);
        }, null, TimeSpan.FromMilliseconds(budget) * 3 + TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        stdout.WriteLine(ReportJson.SerializeRuntimeView(new DotNetEnricher().Enrich(process, TimeSpan.FromMilliseconds(budget), cancellationToken)));
        return ExitCodes.Ok;
    }
}
