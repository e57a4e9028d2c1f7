using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using ProcAudit.Enrichment;
using ProcAudit.Reporting;

namespace ProcAudit.Cli;

/// <summary>
/// The .NET view in the native build of the tool: ClrMD's data target and TraceEvent's parsers
/// need code generated at run time, which a native binary cannot do, so the view is taken by the
/// JIT-compiled copy of this tool that the native package carries in managed/ (its
/// <see cref="DotNetViewCommand"/> verb), run with the dotnet host. Costs that copy's start-up
/// (about 0.3 s) only when the tree holds a .NET process; the view itself takes seconds anyway.
/// </summary>
internal sealed class OutOfProcessDotNetEnricher : IRuntimeEnricher
{
    /// <summary>Beside the native binary, where the tool package puts the JIT-compiled copy.</summary>
    public static string ManagedCopy => Path.Combine(AppContext.BaseDirectory, "managed", "dotnet-procaudit.dll");

    /// <inheritdoc />
    public string Runtime => "dotnet";

    /// <inheritdoc />
    public RuntimeView Enrich(ProcessInfo process, TimeSpan budget, CancellationToken cancellationToken)
    {
        if (!File.Exists(ManagedCopy))
        {
            return Failed(process, "unsupported", $"the .NET view needs the JIT-compiled copy of the tool at {ManagedCopy}, which is missing");
        }
        ProcessStartInfo start = new(DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(ManagedCopy);
        start.ArgumentList.Add(DotNetViewCommand.Verb);
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
        // The view's two parts run one after the other, each within the budget, after the copy starts.
        if (!helper.WaitForExit(budget * 2 + TimeSpan.FromSeconds(3)))
        {
            helper.Kill(entireProcessTree: true);
            return Failed(process, "timeout", "the .NET view did not finish in time");
        }
        helper.WaitForExit();
        if (helper.ExitCode != ExitCodes.Ok)
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
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static RuntimeView Failed(ProcessInfo process, string kind, string why) =>
        new(process, ImmutableArray.Create(new Note(kind, $".NET view of {process.Pid}: {why}", process.Pid)));
}
