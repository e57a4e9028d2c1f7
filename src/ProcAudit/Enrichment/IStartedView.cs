namespace ProcAudit.Enrichment;

/// <summary>
/// A runtime view begun at an audit's first look (see <see cref="IRuntimeEnricher.Begin"/>) and finished after the
/// second, with the process as that look saw it. Disposing it abandons what was begun (a helper process is killed);
/// an auditor disposes every view it began, finished or not.
/// </summary>
public interface IStartedView : IDisposable
{
    /// <summary>Ends the view on <paramref name="process"/>, the same process as the first look's, seen again.</summary>
    RuntimeView Finish(ProcessInfo process);
}
