using System.Diagnostics;
using System.Globalization;
using ProcAudit.Enrichment;
using ProcAudit.Reporting;

namespace ProcAudit.Views;

/// <summary>
/// The .NET view taken by another process, the tool's hidden dotnet-view verb: ClrMD loads the target runtime's DAC,
/// native code with global state that a bad read can crash, and a task inside MSBuild must not load ClrMD's
/// dependencies into the build's own process. The native build runs itself (ClrMD's net10.0 assembly needs no code
/// generated at run time, so nothing is compiled as the view starts); the JIT-compiled tools (the any package, the
/// MSBuild tasks) run the copy in managed/ with the dotnet host. One helper takes all the .NET processes of an audit
/// (<see cref="DotNetViewHelper"/>), started at the first look with their pids, so that its start-up and its reads
/// of the heaps overlap the wait for the second look; then each process's running threads as that look saw them
/// go to it as a line on stdin, and its view comes back as a line of JSON on stdout.
/// </summary>
public sealed class OutOfProcessDotNetView : IRuntimeEnricher
{
    private const string Verb = "dotnet-view";
    private readonly string _tool;
    private readonly bool _viaDotnet;
    private readonly TimeSpan? _flowGap;

    /// <summary>A view taken by the JIT-compiled tool at <paramref name="managedCopy"/> (its hidden dotnet-view verb), run with the dotnet host.</summary>
    /// <param name="managedCopy">The JIT-compiled tool's dotnet-procaudit.dll.</param>
    /// <param name="flowGap">The least time between the two reads of each heap, when not the helper's default (300 ms).</param>
    public OutOfProcessDotNetView(string managedCopy, TimeSpan? flowGap = null)
        : this(managedCopy, viaDotnet: true, flowGap)
    {
    }

    private OutOfProcessDotNetView(string tool, bool viaDotnet, TimeSpan? flowGap)
    {
        _tool = tool;
        _viaDotnet = viaDotnet;
        _flowGap = flowGap;
    }

    /// <summary>A view taken by the native tool at <paramref name="executable"/> (its hidden dotnet-view verb), run directly.</summary>
    public static OutOfProcessDotNetView Native(string executable, TimeSpan? flowGap = null) => new(executable, viaDotnet: false, flowGap);

    /// <summary>
    /// One process's view from the JIT-compiled tool at <paramref name="managedCopy"/>, given the threads the last
    /// look saw running: for the native tool's helper when a running thread needs the stack sample it cannot take.
    /// </summary>
    public static ManagedView ViewOne(string managedCopy, int pid, IReadOnlyCollection<int> runningThreads, TimeSpan budget, TimeSpan? flowGap)
    {
        OutOfProcessDotNetView view = new(managedCopy, flowGap);
        if (view.Start([pid], budget, out string why) is not DotNetViewHelper helper)
        {
            return new ManagedView { Pid = pid, Notes = [FailureNote(pid, "unsupported", why)] };
        }
        try
        {
            return helper.Take(pid, runningThreads, out Note failure) ?? new ManagedView { Pid = pid, Notes = [failure] };
        }
        finally
        {
            helper.Release(sent: true);
        }
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
        if (Start(firstLooks.Select(p => p.Pid).ToArray(), budget, out string why) is not DotNetViewHelper helper)
        {
            return firstLooks.Select(p => (IStartedView)new FailedView(Failed(p, "unsupported", why))).ToArray();
        }
        return firstLooks.Select(_ => (IStartedView)new HelperView(helper)).ToArray();
    }

    /// <summary>Starts the helper for these processes; null, with why, when it cannot run.</summary>
    private DotNetViewHelper? Start(IReadOnlyList<int> pids, TimeSpan budget, out string why)
    {
        if (!File.Exists(_tool))
        {
            why = _viaDotnet
                ? $"the .NET view needs the JIT-compiled copy of the tool at {_tool}, which is missing"
                : $"the .NET view needs the tool's own executable at {_tool}, which is missing";
            return null;
        }
        ProcessStartInfo start = new(_viaDotnet ? DotnetHost() : _tool)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (_viaDotnet)
        {
            start.ArgumentList.Add(_tool);
        }
        start.ArgumentList.Add(Verb);
        if (_flowGap is TimeSpan gap)
        {
            start.ArgumentList.Add("--gap");
            start.ArgumentList.Add(((int)gap.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        }
        start.ArgumentList.Add(((int)budget.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        foreach (int pid in pids.Distinct())
        {
            start.ArgumentList.Add(pid.ToString(CultureInfo.InvariantCulture));
        }
        if (StartOrNull(start) is not Process process)
        {
            why = _viaDotnet ? $"the .NET view needs the dotnet host, and {start.FileName} could not be started" : $"{start.FileName} could not be started";
            return null;
        }
        why = "";
        return new DotNetViewHelper(process, pids, budget);
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
    internal static RuntimeView Failed(ProcessInfo process, string kind, string why) => new(process, [FailureNote(process.Pid, kind, why)]);

    /// <summary>The note on why a process has no .NET view.</summary>
    internal static Note FailureNote(int pid, string kind, string why) => new(kind, $".NET view of {pid}: {why}", pid);
}
