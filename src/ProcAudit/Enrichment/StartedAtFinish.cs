namespace ProcAudit.Enrichment;

/// <summary>The view of an enricher with nothing to begin early: all of it is taken when it is finished.</summary>
internal sealed class StartedAtFinish : IStartedView
{
    private readonly IRuntimeEnricher _enricher;
    private readonly TimeSpan _budget;
    private readonly CancellationToken _cancellationToken;

    public StartedAtFinish(IRuntimeEnricher enricher, TimeSpan budget, CancellationToken cancellationToken)
    {
        _enricher = enricher;
        _budget = budget;
        _cancellationToken = cancellationToken;
    }

    public RuntimeView Finish(ProcessInfo process) => _enricher.Enrich(process, _budget, _cancellationToken);

    public void Dispose()
    {
    }
}
