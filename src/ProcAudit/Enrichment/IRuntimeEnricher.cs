namespace ProcAudit.Enrichment;

/// <summary>
/// A runtime-level view added to a process the kernel view cannot explain on its own: managed
/// stacks and lock owners for .NET, goroutines for Go. It lives outside the core library (which
/// must depend on nothing beyond the shared framework) and is handed to the <see cref="Auditor"/>
/// through <see cref="AuditOptions.Enrichers"/>. Each call is bounded in time and may fail: a
/// failure is a note, never a broken report.
/// </summary>
public interface IRuntimeEnricher
{
    /// <summary>The runtime it understands (<c>dotnet</c>, <c>go</c>), as in <see cref="ProcessInfo.Runtime"/>.</summary>
    string Runtime { get; }

    /// <summary>Returns the process with its runtime view added, and notes on what could not be read.</summary>
    RuntimeView Enrich(ProcessInfo process, TimeSpan budget, CancellationToken cancellationToken);

    /// <summary>
    /// Begins the view at the audit's first look, so that the part that needs no second look (starting a helper
    /// process, a first read of the heap) runs during the interval before the second instead of after it; the view
    /// is finished with the process as the second look saw it. By default nothing begins early.
    /// </summary>
    IStartedView Begin(ProcessInfo firstLook, TimeSpan budget, CancellationToken cancellationToken) =>
        new StartedAtFinish(this, budget, cancellationToken);

    /// <summary>
    /// Begins the views of every process of this runtime in the audit at once, one view for each, in their order: a
    /// view that runs in a helper process starts one helper for all of them, so that its start is paid once. By
    /// default each is begun alone.
    /// </summary>
    IReadOnlyList<IStartedView> BeginAll(IReadOnlyList<ProcessInfo> firstLooks, TimeSpan budget, CancellationToken cancellationToken)
    {
        List<IStartedView> views = new(firstLooks.Count);
        try
        {
            foreach (ProcessInfo firstLook in firstLooks)
            {
                views.Add(Begin(firstLook, budget, cancellationToken));
            }
            return views;
        }
        catch
        {
            views.ForEach(v => v.Dispose());
            throw;
        }
    }
}

/// <summary>What an enricher made of one process.</summary>
/// <param name="Process">The process with managed stacks and locks filled in.</param>
/// <param name="Notes">What could not be read, and why.</param>
public sealed record RuntimeView(ProcessInfo Process, System.Collections.Immutable.ImmutableArray<Note> Notes);
