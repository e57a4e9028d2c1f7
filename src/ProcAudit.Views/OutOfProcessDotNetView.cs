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
/// run with the dotnet host: started at the audit's first look with the pid, so that its start-up
/// (about 0.3 s) and its first reads overlap the wait for the second look; then the process as that
/// look saw it as JSON on stdin, and the view as JSON on stdout.
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
    public IStartedView Begin(ProcessInfo firstLook, TimeSpan budget, CancellationToken cancellationToken)
    {
        if (!File.Exists(_managedCopy))
        {
            return new FailedView(Failed(firstLook, "unsupported", $"the .NET view needs the JIT-compiled copy of the tool at {_managedCopy}, which is missing"));
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
        start.ArgumentList.Add(firstLook.Pid.ToString(CultureInfo.InvariantCulture));
        Process? helper = StartOrNull(start);
        if (helper is null)
        {
            return new FailedView(Failed(firstLook, "unsupported", $"the .NET view needs the dotnet host, and {start.FileName} could not be started"));
        }
        return new HelperView(helper, budget, cancellationToken);
    }

    /// <summary>A helper at work on one process, waiting for the process as the second look saw it.</summary>
    private sealed class HelperView : IStartedView
    {
        private readonly Process _helper;
        private readonly TimeSpan _budget;
        private readonly Task<string> _stdout;
        private readonly Task<string> _stderr;

        public HelperView(Process helper, TimeSpan budget, CancellationToken cancellationToken)
        {
            _helper = helper;
            _budget = budget;
            _stdout = helper.StandardOutput.ReadToEndAsync(cancellationToken);
            _stderr = helper.StandardError.ReadToEndAsync(cancellationToken);
        }

        public RuntimeView Finish(ProcessInfo process)
        {
            try
            {
                _helper.StandardInput.Write(ReportJson.SerializeProcess(process));
                _helper.StandardInput.Close();
            }
            catch (IOException)
            {
                // It already ended (its exit code and stderr say why, below).
            }
            // The view's parts (locks, stacks, async flows) run one after the other, each within the budget.
            if (!_helper.WaitForExit(_budget * 3 + TimeSpan.FromSeconds(3)))
            {
                Kill();
                return Failed(process, "timeout", "the .NET view did not finish in time");
            }
            _helper.WaitForExit();
            if (_helper.ExitCode != 0)
            {
                return Failed(process, "unreadable", $"the .NET view failed (exit {_helper.ExitCode}): {_stderr.Result.Trim()}");
            }
            return ReportJson.DeserializeRuntimeView(_stdout.Result);
        }

        public void Dispose()
        {
            Kill();
            _helper.Dispose();
        }

        private void Kill()
        {
            try
            {
                if (!_helper.HasExited)
                {
                    _helper.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
                // It ended in between.
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

    private static RuntimeView Failed(ProcessInfo process, string kind, string why) =>
        new(process, ImmutableArray.Create(new Note(kind, $".NET view of {process.Pid}: {why}", process.Pid)));
}
