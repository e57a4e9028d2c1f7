namespace ProcAudit.Scenarios;

/// <summary>
/// Sync-over-async on the thread pool, hung and healthy. The pool is capped at one worker per processor
/// (<c>ThreadPool.SetMaxThreads</c>, the least it accepts) so that starvation forms at once instead of after the pool
/// has grown, as it does slowly under load in a server.
/// </summary>
internal static class ThreadPoolScenarios
{
    private static readonly List<object> s_keep = new List<object>();

    /// <summary>
    /// Starvation: twice as many requests as pool threads, each handled on a pool thread that blocks in
    /// <c>.Result</c> on an async method whose continuation needs a pool thread. Every pool thread blocks; the
    /// continuations and the remaining requests sit in the pool's queue for ever.
    /// </summary>
    public static void Starvation()
    {
        int workers = CapPool();
        for (int i = 0; i < 2 * workers; i++)
        {
            int request = i;
            s_keep.Add(Task.Run(() => HandleRequest(request)));
        }

        // Every request is queued before any handler goes on: the shape is the same in every run (each worker blocked
        // on its own request's continuation, the other requests and those continuations queued), not a race with Main.
        s_allQueued.Set();
    }

    private static readonly ManualResetEventSlim s_allQueued = new ManualResetEventSlim();

    private static int HandleRequest(int request)
    {
        s_allQueued.Wait();
        return LoadAsync(request).Result;
    }

    private static async Task<int> LoadAsync(int request)
    {
        // Completes at once, but its continuation goes to the pool's queue, as an I/O completion's does.
        await Task.Yield();
        return request;
    }

    /// <summary>
    /// Healthy: the same capped pool, a producer and one consumer per pool thread moving items through a channel,
    /// each consumer blocking in <c>.Wait()</c> on a short async step: the pool keeps a thread to spare for the
    /// continuations, so every wait ends and the threads keep working.
    /// </summary>
    public static void Busy()
    {
        int workers = CapPool();
        System.Threading.Channels.Channel<int> channel = System.Threading.Channels.Channel.CreateBounded<int>(16);
        s_keep.Add(channel);
        s_keep.Add(Task.Run(async () =>
        {
            for (int i = 0; ; i++)
            {
                await channel.Writer.WriteAsync(i);
                if (i % 32 == 0)
                {
                    await Task.Delay(1);
                }
            }
        }));
        for (int c = 0; c < Math.Max(1, workers - 1); c++)
        {
            s_keep.Add(Task.Run(async () =>
            {
                while (true)
                {
                    int item = await channel.Reader.ReadAsync();
                    StepAsync(item).Wait();
                }
            }));
        }
    }

    private static async Task StepAsync(int item)
    {
        await Task.Yield();
        GC.KeepAlive(item);
    }

    private static int CapPool()
    {
        int workers = Environment.ProcessorCount;
        ThreadPool.GetMaxThreads(out _, out int io);
        ThreadPool.SetMinThreads(workers, workers);
        if (!ThreadPool.SetMaxThreads(workers, io))
        {
            throw new InvalidOperationException($"the thread pool refused a maximum of {workers} workers");
        }

        return workers;
    }
}
