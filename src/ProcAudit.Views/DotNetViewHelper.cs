using System.Diagnostics;
using System.Text.Json;
using ProcAudit.Enrichment;
using ProcAudit.Reporting;

namespace ProcAudit.Views;

/// <summary>
/// One helper process at work on every .NET process of an audit (the tool's dotnet-view verb, given all their pids), so
/// that its start and the DAC's are paid once, not once a process. For each process, the threads
/// the second look saw running go to its stdin as one line; its view comes back on its stdout as one line of JSON and
/// is applied to the process. Stdin is closed when every process was sent or given up, and the helper is killed when
/// every view is done with it.
/// </summary>
internal sealed class DotNetViewHelper
{
    private readonly Process _helper;
    private readonly TimeSpan _budget;
    private readonly Dictionary<int, TaskCompletionSource<ManagedView?>> _views;
    private readonly Task<string> _stderr;
    private readonly object _gate = new();
    private int _unsent;
    private int _undisposed;

    public DotNetViewHelper(Process helper, IReadOnlyList<int> pids, TimeSpan budget)
    {
        _helper = helper;
        _budget = budget;
        _views = pids.Distinct().ToDictionary(p => p, _ => new TaskCompletionSource<ManagedView?>(TaskCreationOptions.RunContinuationsAsynchronously));
        _unsent = pids.Count;
        _undisposed = pids.Count;
        _stderr = helper.StandardError.ReadToEndAsync();
        _ = Task.Run(ReadViews);
    }

    /// <summary>Sends the process and waits for its view: a note when the helper failed or took too long.</summary>
    public RuntimeView Finish(ProcessInfo process) =>
        Take(process.Pid, ManagedView.RunningThreads(process), out Note failure) is ManagedView done
            ? done.ApplyTo(process)
            : new RuntimeView(process, [failure]);

    /// <summary>Sends one process (its pid and the threads the last look saw running) and waits for its view; null, with the note why, when there is none.</summary>
    public ManagedView? Take(int pid, IEnumerable<int> running, out Note failure)
    {
        lock (_gate)
        {
            try
            {
                _helper.StandardInput.WriteLine(string.Join(' ', running.Prepend(pid)));
                _helper.StandardInput.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // It already ended (its exit code and stderr say why, below).
            }
            Sent();
        }
        // The helper takes the processes one after the other, each part of each within the budget.
        Task<ManagedView?> view = _views[pid].Task;
        if (!view.Wait(_budget * 3 + TimeSpan.FromSeconds(3)))
        {
            Kill();
            failure = OutOfProcessDotNetView.FailureNote(pid, "timeout", "the .NET view did not finish in time");
            return null;
        }
        failure = null!;
        if (view.Result is ManagedView done)
        {
            return done;
        }
        _helper.WaitForExit(1000);
        string exit = _helper.HasExited ? $"exit {_helper.ExitCode}" : "its output ended";
        string why = _stderr.Wait(1000) ? _stderr.Result.Trim() : "";
        failure = OutOfProcessDotNetView.FailureNote(pid, "unreadable", $"the .NET view failed ({exit}){(why.Length > 0 ? ": " + why : "")}");
        return null;
    }

    /// <summary>One view is done with the helper: the process it was to send is not coming (if unsent), and the last one out kills it.</summary>
    public void Release(bool sent)
    {
        lock (_gate)
        {
            if (!sent)
            {
                Sent();
            }
            if (--_undisposed > 0)
            {
                return;
            }
        }
        Kill();
        _helper.Dispose();
    }

    /// <summary>Counts one process as sent (or given up); after the last, the helper's stdin is closed so that it ends.</summary>
    private void Sent()
    {
        if (--_unsent == 0)
        {
            try
            {
                _helper.StandardInput.Close();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // Already gone.
            }
        }
    }

    private async Task ReadViews()
    {
        try
        {
            while (await _helper.StandardOutput.ReadLineAsync().ConfigureAwait(false) is string line)
            {
                ManagedView view = ReportJson.DeserializeManagedView(line);
                if (_views.TryGetValue(view.Pid, out TaskCompletionSource<ManagedView?>? waiting))
                {
                    waiting.TrySetResult(view);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or JsonException)
        {
            // Its output ended or went bad: every view not yet back failed, as Finish tells.
        }
        foreach (TaskCompletionSource<ManagedView?> waiting in _views.Values)
        {
            waiting.TrySetResult(null);
        }
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
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // It ended in between.
        }
    }
}
