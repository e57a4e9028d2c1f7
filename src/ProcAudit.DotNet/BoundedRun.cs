namespace ProcAudit.DotNet;

/// <summary>
/// Runs blocking work (a socket session, a DAC, a trace parser: none of them fully cancellable) on its own thread
/// and waits for it at most a budget. Work that overruns is told to stop through its token and abandoned: it ends
/// on its own, cleans up after itself, and its result is dropped.
/// </summary>
internal static class BoundedRun
{
    /// <summary>
    /// Runs <paramref name="work"/> and waits at most <paramref name="budget"/>
    /// (<see cref="Timeout.InfiniteTimeSpan"/> for no bound).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled: the caller asked to stop.</exception>
    public static BoundedOutcome<T> Run<T>(Func<CancellationToken, T> work, TimeSpan budget, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        CancellationTokenSource workCancellation = CancellationTokenSource.CreateLinkedTokenSource(ct);
        CancellationToken workToken = workCancellation.Token;
        Task<T> task = Task.Factory.StartNew(
            () => work(workToken),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        // Abandoned work still watches its token, so the source lives until the work ends; reading the exception
        // keeps an abandoned failure from surfacing later as an unobserved task exception.
        task.ContinueWith(
            static (finished, state) =>
            {
                _ = finished.Exception;
                ((CancellationTokenSource)state!).Dispose();
            },
            workCancellation,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

        bool finished;
        try
        {
            // Wakes on whichever comes first: the work ends, the caller cancels, the budget runs out.
            WaitHandle done = ((IAsyncResult)task).AsyncWaitHandle;
            WaitHandle[] handles = ct.CanBeCanceled ? [done, ct.WaitHandle] : [done];
            WaitHandle.WaitAny(handles, budget == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : Clamp(budget));
            finished = task.IsCompleted;
            if (!finished)
            {
                ct.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            if (!task.IsCompleted)
            {
                CancelQuietly(workCancellation);
            }
        }

        if (!finished)
        {
            return new BoundedOutcome<T>(false, default, null);
        }

        if (task.IsFaulted)
        {
            Exception error = task.Exception!.InnerExceptions.Count == 1 ? task.Exception.InnerExceptions[0] : task.Exception;
            if (error is OperationCanceledException && ct.IsCancellationRequested)
            {
                throw new OperationCanceledException(ct);
            }

            return new BoundedOutcome<T>(true, default, error);
        }

        return new BoundedOutcome<T>(true, task.Result, null);
    }

    private static TimeSpan Clamp(TimeSpan budget)
    {
        TimeSpan longest = TimeSpan.FromMilliseconds(int.MaxValue);
        return budget < TimeSpan.Zero ? TimeSpan.Zero : budget > longest ? longest : budget;
    }

    private static void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The work ended between the check and the cancel, and its continuation disposed the source.
        }
    }
}
