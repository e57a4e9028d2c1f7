using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using ProcAudit.Enrichment;
using ProcAudit.Reporting;

namespace ProcAudit.Views;

/// <summary>
/// The .NET view taken by another process: the native build of the tool cannot (ClrMD's data
/// target and TraceEvent's parsers need code generated at run time), and a task inside MSBuild
/// must not (ClrMD's dependencies would load into the build's own process). The JIT-compiled copy
/// of the tool, carried in managed/ by both packages, takes it with its hidden dotnet-view verb,
/// run with the dotnet host: the process as JSON on stdin, the view as JSON on stdout. Costs that
/// copy's start-up (about 0.3 s), only when the tree holds a .NET process.
/// </summary>
public sealed class OutOfProcessDotNetView : IRuntimeEnricher
{
    private const string Verb = "dotnet-view";
    private readonly string _managedCopy;

    /// <summary>A view taken by the JIT-compiled tool at <paramref name="managedCopy"/> (its hidden dotnet-view verb).</summary>
    public OutOfProcessDotNetView(string managedCopy)
    {
        _managedCopy = managedCopy;
    }

    /// <inheritdoc />
    public string Runtime => "dotnet";

    /// <inheritdoc />
    public RuntimeView Enrich(ProcessInfo process, TimeSpan budget, CancellationToken cancellationToken)
    {
        if (!File.Exists(_managedCopy))
        {
            return Failed(process, "unsupported", $"the .NET view needs the JIT-compiled copy of the tool at {_managedCopy}, which is missing");
        }
        ProcessStartInfo start = new(DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(_managedCopy);
        start.ArgumentList.Add(Verb);
        start.ArgumentList.Add(((int)budget.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        using Process? helper = StartOrNull(start);
        if (helper is null)
        {
            return Failed(process, "unsupported", $"the .NET view needs the dotnet host, and {start.FileName} could not be started");
        }
        Task<string> stdout = helper.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> stderr = helper.StandardError.ReadToEndAsync(cancellationToken);
        helper.StandardInput.Write(ReportJson.SerializeProcess(process));
        helper.StandardInput.Close();
        // The view's three parts (locks, stacks, async flows) run one after the other, each within the budget, after the copy starts.
        if (!helper.WaitForExit(budget * 3 + TimeSpan.FromSeconds(3)))
        {
            helper.Kill(entireProcessTree: true);
            return Failed(process, "timeout", "the .NET view did not finish in time");
        }
        helper.WaitForExit();
        if (helper.ExitCode != 0)
        {
            return Failed(process, "unreadable", $"the .NET view failed (exit {helper.ExitCode}): {stderr.Result.Trim()}");
        }
        return ReportJson.DeserializeRuntimeView(stdout.Result);
    }

    private static Process? StartOrNull(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>The host that runs dotnet tools: the one the SDK names, else dotnet on PATH.</summary>
    internal static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static RuntimeView Failed(ProcessInfo process, string kind, string why) =>
        new(process, ImmutableArray.Create(new Note(kind, $".NET view of {process.Pid}: {why}", process.Pid)));
}
