using ProcAudit.DotNet;
using ProcAudit.Enrichment;
using ProcAudit.Go;

namespace ProcAudit.Cli;

/// <summary>The runtime views the tool adds by default.</summary>
internal static class Runtimes
{
    public static IReadOnlyList<IRuntimeEnricher> For(bool skip) =>
        skip ? Array.Empty<IRuntimeEnricher>() : new IRuntimeEnricher[] { new DotNetEnricher(), new GoEnricher() };
}
