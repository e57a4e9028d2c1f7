using ProcAudit.Enrichment;
using ProcAudit.Views;

namespace ProcAudit.Cli;

/// <summary>The runtime views the tool adds by default: the shared list every front end uses.</summary>
internal static class Runtimes
{
    public static IReadOnlyList<IRuntimeEnricher> For(bool skip, TimeSpan? interval = null) =>
        skip ? Array.Empty<IRuntimeEnricher>() : RuntimeViews.Default(interval);
}
