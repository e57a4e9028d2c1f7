using ProcAudit.Enrichment;

namespace ProcAudit.DotNet;

/// <summary>The .NET view read in this process, its reads of the heap running since the audit's first look.</summary>
internal sealed class StartedDotNetView : IStartedView
{
    private readonly DotNetEnricher _enricher;
    private readonly Task<DotNetHeapReads> _first;
    private readonly TimeSpan _budget;
    private readonly CancellationToken _cancellationToken;

    public StartedDotNetView(DotNetEnricher enricher, Task<DotNetHeapReads> first, TimeSpan budget, CancellationToken cancellationToken)
    {
        _enricher = enricher;
        _first = first;
        _budget = budget;
        _cancellationToken = cancellationToken;
    }

    public RuntimeView Finish(ProcessInfo process)
    {
        // The reads are bounded by their own budgets; if they failed in an unexpected way, the view is taken whole.
        return _first.Wait(_budget * 3 + TimeSpan.FromSeconds(1), _cancellationToken) && _first.IsCompletedSuccessfully
            ? DotNetEnricher.Finish(_first.Result, process.Pid, ManagedView.RunningThreads(process), _budget, _cancellationToken).ApplyTo(process)
            : _enricher.Enrich(process, _budget, _cancellationToken);
    }

    public void Dispose()
    {
        // Nothing to stop: the reads end within their budgets on their own.
    }
}
