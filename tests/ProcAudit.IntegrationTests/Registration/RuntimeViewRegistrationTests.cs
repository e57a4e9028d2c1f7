using ProcAudit.Enrichment;
using ProcAudit.Runtimes;

namespace ProcAudit.IntegrationTests.Registration;

/// <summary>
/// The capture side and the analysis side of every runtime view are registered together: each enricher every front
/// end gets (RuntimeViews.Default) has the analysis module of its runtime, and each module has its enricher. A view
/// registered on one side only fails here.
/// </summary>
public sealed class RuntimeViewRegistrationTests
{
    [Fact]
    public void Every_enricher_has_its_analysis_module_and_every_module_its_enricher()
    {
        IReadOnlyList<IRuntimeEnricher> enrichers = ProcAudit.Views.RuntimeViews.Default();
        foreach (IRuntimeEnricher enricher in enrichers)
        {
            RuntimeViewModule? module = RuntimeRegistry.For(enricher.Runtime);
            Assert.True(module is not null, $"{enricher.GetType().Name} reads '{enricher.Runtime}' processes, which no analysis module explains (Runtimes/RuntimeRegistry.cs)");
            Assert.Equal(enricher.Runtime, module!.Runtime);
        }
        Assert.Equal(
            RuntimeRegistry.Modules.Select(m => m.Runtime).Order(),
            enrichers.Select(e => e.Runtime).Distinct().Order());
    }
}
