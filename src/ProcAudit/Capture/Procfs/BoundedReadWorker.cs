using System.Collections.Concurrent;

namespace ProcAudit.Capture.Procfs;

/// <summary>
/// One thread that does the reads that can block (a process stuck in the kernel holding its memory lock blocks
/// readers of its cmdline and maps), so the caller can give up on a read without a thread per read: a tree of
/// 2,000 processes took 4,000 thread starts. A read past its timeout leaves the worker blocked in the kernel;
/// the worker is then abandoned (it ends by itself if the read ever returns) and the next read gets a new one.
/// An idle worker ends after a second, so a reader left behind keeps no thread.
/// </summary>
internal sealed class BoundedReadWorker
{
    private readonly TimeSpan _idle;
    private readonly object _gate = new();
    private BlockingCollection<Request>? _queue;

    public BoundedReadWorker()
        : this(TimeSpan.FromSeconds(1))
    {
    }

    /// <summary>A worker whose thread ends after <paramref name="idle"/> without a read (tests choose it, so that a pause of a loaded machine between two reads is not taken for idleness).</summary>
    internal BoundedReadWorker(TimeSpan idle)
    {
        _idle = idle;
    }

    /// <summary>Runs <paramref name="read"/> on the worker; null when it did not finish within <paramref name="timeout"/>.</summary>
    public ProcText? Run(Func<ProcText> read, TimeSpan timeout)
    {
        Request request = new(read);
        BlockingCollection<Request> queue = Queue(request);
        if (request.Done.Wait(timeout))
        {
            request.Done.Dispose();
            return request.Result;
        }

        lock (_gate)
        {
            // Stuck: whatever else is queued behind this read would wait as long. Start afresh.
            if (ReferenceEquals(_queue, queue))
            {
                _queue = null;
            }
        }

        queue.CompleteAdding();
        return null;
    }

    private BlockingCollection<Request> Queue(Request request)
    {
        lock (_gate)
        {
            if (_queue is null || _queue.IsAddingCompleted)
            {
                BlockingCollection<Request> fresh = new();
                _queue = fresh;
                new Thread(() => Work(fresh)) { IsBackground = true, Name = "procaudit bounded read" }.Start();
            }

            _queue.Add(request);
            return _queue;
        }
    }

    private void Work(BlockingCollection<Request> queue)
    {
        while (true)
        {
            Request? request;
            lock (_gate)
            {
                // Idle: end this worker; the next read starts another.
                if (!queue.TryTake(out request))
                {
                    if (queue.IsAddingCompleted || !ReferenceEquals(_queue, queue))
                    {
                        return;
                    }
                }
            }

            if (request is null && !queue.TryTake(out request, _idle))
            {
                lock (_gate)
                {
                    if (queue.Count == 0)
                    {
                        if (ReferenceEquals(_queue, queue))
                        {
                            _queue = null;
                        }

                        queue.CompleteAdding();
                        return;
                    }
                }

                continue;
            }

            request.Result = request.Read();
            request.Done.Set();
        }
    }

    private sealed class Request(Func<ProcText> read)
    {
        public Func<ProcText> Read { get; } = read;

        /// <summary>Set when read; no spinning before the wait blocks (2,000 reads spun some 150,000 sched_yields on 2 cores).</summary>
        public ManualResetEventSlim Done { get; } = new(false, spinCount: 0);

        public ProcText Result { get; set; }
    }
}
