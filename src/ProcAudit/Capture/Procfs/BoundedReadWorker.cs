using System.Collections.Concurrent;

namespace ProcAudit.Capture.Procfs;

/// <summary>
/// One thread that does the reads that can block (a process stuck in the kernel holding its memory lock blocks
/// readers of its cmdline and maps), so the caller can give up on a read without a thread per read: a tree of
/// 2,000 processes took 4,000 thread starts. A read past its timeout leaves the worker blocked in the kernel;
/// the worker is then abandoned (it ends by itself if the read ever returns) and the next read gets a new one.
/// An idle worker ends after a second, so a reader left behind keeps no thread. Both sides of the hand-off
/// sleep on a <see cref="WaitWord"/>: a read costs two wake-ups and no spinning.
/// </summary>
internal sealed class BoundedReadWorker
{
    private readonly TimeSpan _idle;
    private readonly object _gate = new();
    private Lane? _lane;

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
        Lane lane = Queue(request);
        if (request.Done.WaitWhile(0, timeout))
        {
            return request.Result;
        }

        lock (_gate)
        {
            // Stuck: whatever else is queued behind this read would wait as long. Start afresh.
            lane.Closed = true;
            if (ReferenceEquals(_lane, lane))
            {
                _lane = null;
            }
        }
        return null;
    }

    private Lane Queue(Request request)
    {
        Lane lane;
        lock (_gate)
        {
            if (_lane is null)
            {
                Lane fresh = new();
                _lane = fresh;
                new Thread(() => Work(fresh)) { IsBackground = true, Name = "procaudit bounded read" }.Start();
            }
            lane = _lane;
            lane.Requests.Enqueue(request);
        }
        lane.Posted.Increment();
        return lane;
    }

    private void Work(Lane lane)
    {
        while (true)
        {
            // The count is read before the queue is looked at: a request posted after the look changes it, so the wait below returns at once.
            int posted = lane.Posted.Value;
            if (lane.Requests.TryDequeue(out Request? request))
            {
                request.Result = request.Read();
                request.Done.Set(1);
                continue;
            }
            if (lane.Closed)
            {
                if (!lane.Requests.IsEmpty)
                {
                    continue; // queued before it was closed: nothing is queued after
                }
                return; // abandoned, and what was queued behind the stuck read is done
            }
            if (lane.Posted.WaitWhile(posted, _idle))
            {
                continue;
            }
            lock (_gate)
            {
                // Idle: end this worker; the next read starts another. Requests are queued under the same lock, so none is left behind.
                if (lane.Requests.IsEmpty)
                {
                    lane.Closed = true;
                    if (ReferenceEquals(_lane, lane))
                    {
                        _lane = null;
                    }
                    return;
                }
            }
        }
    }

    /// <summary>One worker thread's queue.</summary>
    private sealed class Lane
    {
        public ConcurrentQueue<Request> Requests { get; } = new();

        /// <summary>How many requests were queued: the worker sleeps on it.</summary>
        public WaitWord Posted { get; } = new();

        /// <summary>Set under the worker's lock once no request may be queued here any more.</summary>
        public volatile bool Closed;
    }

    private sealed class Request(Func<ProcText> read)
    {
        public Func<ProcText> Read { get; } = read;

        /// <summary>1 once read: the caller sleeps on it.</summary>
        public WaitWord Done { get; } = new();

        public ProcText Result { get; set; }
    }
}
