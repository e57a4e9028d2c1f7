using ProcAudit.Capture.Procfs;

namespace ProcAudit.Tests.Hardening;

/// <summary>The thread behind bounded reads: one for many reads, a fresh one after a stuck read, none when idle.</summary>
public sealed class BoundedReadWorkerTests
{
    private static readonly ProcText s_ok = new("ok", ReadOutcome.Ok);

    [Fact]
    public void Many_reads_in_a_row_share_one_thread()
    {
        // An idle time no pause of a loaded machine between two reads reaches: only idleness may end the thread.
        BoundedReadWorker worker = new(TimeSpan.FromMinutes(5));
        HashSet<Thread> threads = new();

        for (int i = 0; i < 500; i++)
        {
            Assert.Equal(s_ok, worker.Run(() => { threads.Add(Thread.CurrentThread); return s_ok; }, TimeSpan.FromSeconds(10)));
        }

        Assert.Single(threads);
        Assert.NotSame(Thread.CurrentThread, threads.Single());
    }

    [Fact]
    public void A_read_past_its_timeout_is_abandoned_and_the_next_read_gets_a_new_thread()
    {
        BoundedReadWorker worker = new();
        using ManualResetEventSlim release = new(false);
        Thread? stuck = null;
        try
        {
            ProcText? abandoned = worker.Run(() => { stuck = Thread.CurrentThread; release.Wait(); return s_ok; }, TimeSpan.FromMilliseconds(100));

            // On a loaded machine the worker may reach the read only after the caller gave up on it.
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref stuck) is not null, TimeSpan.FromSeconds(30)), "the abandoned read never started");
            Thread? next = null;
            ProcText? answered = worker.Run(() => { next = Thread.CurrentThread; return s_ok; }, TimeSpan.FromSeconds(10));

            Assert.Null(abandoned);
            Assert.Equal(s_ok, answered);
            Assert.NotNull(stuck);
            Assert.NotSame(stuck, next);
            Assert.True(stuck!.IsAlive, "the stuck read is still blocked, as one in the kernel would be");
        }
        finally
        {
            release.Set();
        }

        // Once the blocked read returns, the abandoned thread ends by itself.
        Assert.True(SpinWait.SpinUntil(() => !stuck!.IsAlive, TimeSpan.FromSeconds(10)), "the abandoned thread did not end after its read returned");
    }

    [Fact]
    public void An_idle_worker_ends_its_thread()
    {
        BoundedReadWorker worker = new();
        Thread? thread = null;

        worker.Run(() => { thread = Thread.CurrentThread; return s_ok; }, TimeSpan.FromSeconds(10));

        Assert.True(SpinWait.SpinUntil(() => !thread!.IsAlive, TimeSpan.FromSeconds(10)), "the idle worker kept its thread");
        Thread? again = null;
        Assert.Equal(s_ok, worker.Run(() => { again = Thread.CurrentThread; return s_ok; }, TimeSpan.FromSeconds(10)));
        Assert.NotSame(thread, again);
    }
}
