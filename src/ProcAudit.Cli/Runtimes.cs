using System.Runtime.CompilerServices;
using ProcAudit.DotNet;
using ProcAudit.Enrichment;
using ProcAudit.Go;

namespace ProcAudit.Cli;

/// <summary>The runtime views the tool adds by default.</summary>
internal static class Runtimes
{
    public static IReadOnlyList<IRuntimeEnricher> For(bool skip) =>
        skip ? Array.Empty<IRuntimeEnricher>() : new IRuntimeEnricher[] { DotNet(), new GoEnricher() };

    /// <summary>
    /// In process under the JIT; in the native build, through the JIT-compiled copy (a constant
    /// there, so ClrMD and TraceEvent are left out of the native binary).
    /// </summary>
    private static IRuntimeEnricher DotNet() =>
        RuntimeFeature.IsDynamicCodeSupported ? new DotNetEnricher() : new OutOfProcessDotNetEnricher();
}
