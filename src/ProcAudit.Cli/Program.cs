using McMaster.Extensions.CommandLineUtils;

namespace ProcAudit.Cli;

/// <summary>The verbs; each lives in its own file.</summary>
internal static class Program
{
    private static int Main(string[] args) => CommandLineApplication.Execute<AuditCommand>(args);
}
