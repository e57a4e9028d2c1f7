using System.Runtime.ExceptionServices;

namespace ProcAudit.Capture;

/// <summary>
/// Work spread over every core. Reading /proc is mostly the kernel's work, which runs on any core: a
/// scan's looks and its per-process reads take nearly half the time on two cores. A scan's trees are
/// analysed on them too, each analysis pure and its own.
/// </summary>
internal static class Cores
{
    /// <summary>Runs <paramref name="body"/> for every index from <paramref name="from"/> to <paramref name="to"/> (exclusive), on every core; an exception comes out as itself, not wrapped.</summary>
    /// <param name="from">The first index.</param>
    /// <param name="to">One past the last index.</param>
    /// <param name="cancellationToken">Stops the loop between indices.</param>
    /// <param name="body">The work for one index, and the loop state to stop it early.</param>
    public static void For(int from, int to, CancellationToken cancellationToken, Action<int, ParallelLoopState> body)
    {
        try
        {
            Parallel.For(from, to, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, body);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }
}
