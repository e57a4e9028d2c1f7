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
/// run with the dotnet host: one for all the .NET processes of an audit (<see cref="DotNetViewHelper"/>),
/// started at the first look with their pids, so that its start-up (about 0.3 s) and its first reads
/// overlap the wait for the second look; then each process as that look saw it as a line of JSON on
/// stdin, and its view as a line of JSON on stdout.
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
        using IStartedView view = Begin(process, budget, cancellationToken);
        return view.Finish(process);
    }

    /// <summary>Starts the helper at the first look: its own start and its first reads overlap the wait for the second.</summary>
    public IStartedView Begin(ProcessInfo firstLook, TimeSpan budget, CancellationToken cancellationToken) =>
        BeginAll([firstLook], budget, cancellationToken)[0];

    /// <summary>Starts one helper for all the processes, which reads them one after the other: its start and JIT are paid once.</summary>
    public IReadOnlyList<IStartedView> BeginAll(IReadOnlyList<ProcessInfo> firstLooks, TimeSpan budget, CancellationToken cancellationToken)
    {
        if (firstLooks.Count == 0)
        {
            return [];
        }
        if (!File.Exists(_managedCopy))
        {
            return firstLooks.Select(p => (IStartedView)new FailedView(Failed(p, "unsupported", $"the .NET view needs the JIT-compiled copy of the tool at {_managedCopy}, which is missing"))).ToArray();
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
        foreach (int pid in firstLooks.Select(p => p.Pid).Distinct())
        {
            start.ArgumentList.Add(pid.ToString(CultureInfo.InvariantCulture));
        }
        Process? process = StartOrNull(start);
        if (process is null)
        {
            return firstLooks.Select(p => (IStartedView)new FailedView(Failed(p, "unsupported", $"the .NET view needs the dotnet host, and {start.FileName} could not be started"))).ToArray();
        }
        DotNetViewHelper helper = new(process, firstLooks.Select(p => p.Pid).ToArray(), budget);
        return firstLooks.Select(_ => (IStartedView)new HelperView(helper)).ToArray();
    }

    /// <summary>One process's share of a helper: finished with the process as the second look saw it.</summary>
    private sealed class HelperView(DotNetViewHelper helper) : IStartedView
    {
        private bool _sent;
        private bool _disposed;

        public RuntimeView Finish(ProcessInfo process)
        {
            _sent = true;
            return helper.Finish(process);
        }

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                helper.Release(_sent);
            }
        }
    }

    /// <summary>A view that could not begin: finishing it gives the note.</summary>
    private sealed class FailedView(RuntimeView view) : IStartedView
    {
        public RuntimeView Finish(ProcessInfo process) => view with { Process = process };

        public void Dispose()
        {
        }
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

    /// <summary>The process as it was, with a note on why its view is missing.</summary>
    internal static RuntimeView Failed(ProcessInfo process, string kind, string why) =>
        new(process, ImmutableArray.Create(new Note(kind, $".NET view of {process.Pid}: {why}", process.Pid)));
}
