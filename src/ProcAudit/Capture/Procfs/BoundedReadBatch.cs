using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace ProcAudit.Capture.Procfs;

/// <summary>
/// Many reads that can block (the cmdline and maps of every process a scan reads), on threads of their
/// own, one per core, each read bounded: a read still blocked after the timeout is given up, its thread
/// left in the kernel (it ends by itself if the read ever returns), and a new thread takes the reads left.
/// <see cref="BoundedReadWorker"/> hands over one read at a time, two wake-ups each: a 16x scan's 4,500 of
/// them cost a sixth of its CPU on this machine.
/// </summary>
internal static class BoundedReadBatch
{
    /// <summary>Runs <paramref name="read"/> for every index below <paramref name="count"/>; a read past <paramref name="timeout"/> comes back TimedOut.</summary>
    /// <param name="count">How many reads.</param>
    /// <param name="read">One read, by index; it may run on any of the batch's threads.</param>
    /// <param name="timeout">How long one read may block.</param>
    /// <param name="cancellationToken">Stops waiting; the threads stop before their next read.</param>
    public static ProcText[] Run(int count, Func<int, ProcText> read, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return [];
        }
        Batch batch = new(count, read);
        lock (batch.Gate)
        {
            for (int i = Math.Min(Environment.ProcessorCount, count); i > 0; i--)
            {
                batch.Start();
            }
        }
        // Looked at four times per timeout: a stuck read is given up between one and 1.25 timeouts after it began.
        TimeSpan check = TimeSpan.FromTicks(Math.Max(timeout.Ticks / 4, TimeSpan.FromMilliseconds(10).Ticks));
        try
        {
            while (!batch.Done.Wait(check, cancellationToken))
            {
                batch.GiveUpStuck(timeout);
            }
        }
        finally
        {
            batch.Close();
        }
        batch.Failure?.Throw();
        return batch.Results;
    }

    private sealed class Batch(int count, Func<int, ProcText> read)
    {
        private readonly List<Reader> _readers = new();
        private int _next = -1;
        private int _pending = count;

        public object Gate { get; } = new();

        public ManualResetEventSlim Done { get; } = new(false);

        public ProcText[] Results { get; } = new ProcText[count];

        public ExceptionDispatchInfo? Failure { get; private set; }

        /// <summary>Starts a thread that takes reads until none is left (under <see cref="Gate"/>).</summary>
        public void Start()
        {
            Reader reader = new();
            _readers.Add(reader);
            new Thread(() => Work(reader)) { IsBackground = true, Name = "procaudit bounded reads" }.Start();
        }

        /// <summary>Gives up each read blocked longer than <paramref name="timeout"/>, and puts a new thread in its thread's place.</summary>
        public void GiveUpStuck(TimeSpan timeout)
        {
            long now = Stopwatch.GetTimestamp();
            lock (Gate)
            {
                foreach (Reader reader in _readers.ToList())
                {
                    if (reader.Since == 0 || Stopwatch.GetElapsedTime(reader.Since, now) <= timeout)
                    {
                        continue;
                    }
                    reader.Abandoned = true;
                    _readers.Remove(reader);
                    Results[reader.Current] = new ProcText(null, ReadOutcome.TimedOut, $"no answer within {timeout.TotalMilliseconds:0} ms");
                    if (--_pending == 0)
                    {
                        Done.Set();
                    }
                    else
                    {
                        Start();
                    }
                }
            }
        }

        /// <summary>No read starts after this (the batch is done, failed or cancelled).</summary>
        public void Close()
        {
            lock (Gate)
            {
                foreach (Reader reader in _readers)
                {
                    reader.Abandoned = true;
                }
                _readers.Clear();
            }
        }

        private void Work(Reader reader)
        {
            while (true)
            {
                int i;
                lock (Gate)
                {
                    if (reader.Abandoned || ++_next >= Results.Length)
                    {
                        _readers.Remove(reader);
                        return;
                    }
                    i = _next;
                    reader.Current = i;
                    reader.Since = Stopwatch.GetTimestamp();
                }
                ProcText text;
                try
                {
                    text = read(i);
                }
                catch (Exception e)
                {
                    lock (Gate)
                    {
                        Failure ??= ExceptionDispatchInfo.Capture(e);
                        Done.Set();
                    }
                    return;
                }
                lock (Gate)
                {
                    reader.Since = 0;
                    if (reader.Abandoned)
                    {
                        return; // given up while blocked; its index was answered TimedOut
                    }
                    Results[i] = text;
                    if (--_pending == 0)
                    {
                        Done.Set();
                    }
                }
            }
        }
    }

    /// <summary>One thread of a batch: the read it is in and since when (0 between reads). Read and written under the batch's gate.</summary>
    private sealed class Reader
    {
        public int Current { get; set; } = -1;

        public long Since { get; set; }

        public bool Abandoned { get; set; }
    }
}
