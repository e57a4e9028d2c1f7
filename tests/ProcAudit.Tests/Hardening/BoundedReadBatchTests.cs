using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Tests.Hardening;

/// <summary>A scan's batches of reads that can block: every read answered in its place, a stuck one given up after its bound, nothing left waiting.</summary>
public sealed class BoundedReadBatchTests
{
    [Fact]
    public void Every_read_is_made_once_off_the_calling_thread_and_answered_in_its_place()
    {
        ConcurrentBag<int> made = new();
        ConcurrentDictionary<Thread, bool> threads = new();

        ProcText[] texts = BoundedReadBatch.Run(500, i =>
        {
            made.Add(i);
            threads[Thread.CurrentThread] = true;
            return new ProcText(i.ToString(System.Globalization.CultureInfo.InvariantCulture), ReadOutcome.Ok);
        }, TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 500).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), texts.Select(t => t.Text));
        Assert.Equal(Enumerable.Range(0, 500), made.Order());
        Assert.DoesNotContain(Thread.CurrentThread, threads.Keys);
        Assert.InRange(threads.Count, 1, Environment.ProcessorCount);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_read_past_its_bound_is_answered_timed_out_and_the_reads_after_it_still_are_made()
    {
        using ManualResetEventSlim release = new(false);
        Thread? stuck = null;
        try
        {
            ProcText[] texts = await Task.Run(() => BoundedReadBatch.Run(40, i =>
            {
                if (i == 3)
                {
                    stuck = Thread.CurrentThread;
                    release.Wait();
                }
                return new ProcText("ok", ReadOutcome.Ok);
            }, TimeSpan.FromMilliseconds(200), CancellationToken.None));

            Assert.Equal(ReadOutcome.TimedOut, texts[3].Outcome);
            Assert.Equal("no answer within 200 ms", texts[3].Error);
            Assert.All(texts.Where((_, i) => i != 3), t => Assert.Equal(new ProcText("ok", ReadOutcome.Ok), t));
            Assert.True(stuck!.IsAlive, "the stuck read is still blocked, as one in the kernel would be");
        }
        finally
        {
            release.Set();
        }
        // Once the blocked read returns, its thread ends by itself and its late answer is dropped.
        Assert.True(SpinWait.SpinUntil(() => !stuck!.IsAlive, TimeSpan.FromSeconds(10)), "the abandoned thread did not end after its read returned");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_procfs_file_that_blocks_on_open_times_out_and_the_other_files_are_read()
    {
        // A FIFO with no writer blocks its opener as a cmdline behind a held memory lock blocks its reader.
        string root = Directory.CreateTempSubdirectory("procaudit-batch-").FullName;
        for (int pid = 1; pid <= 6; pid++)
        {
            Directory.CreateDirectory(Path.Combine(root, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            File.WriteAllText(Path.Combine(root, $"{pid}", "cmdline"), $"prog\0{pid}\0");
        }
        string fifo = Path.Combine(root, "4", "cmdline");
        File.Delete(fifo);
        Assert.Equal(0, mkfifo(fifo, 0x180));
        try
        {
            ProcfsReader procfs = new(root);
            ProcText[] texts = await Task.Run(() => procfs.ReadTextBoundedMany(
                Enumerable.Range(1, 6).Select(pid => $"{pid}/cmdline").ToList(), TimeSpan.FromMilliseconds(300), 4096, null, CancellationToken.None));

            Assert.Equal(ReadOutcome.TimedOut, texts[3].Outcome);
            Assert.Equal(["prog\u00001\u0000", "prog\u00002\u0000", "prog\u00003\u0000", "prog\u00005\u0000", "prog\u00006\u0000"],
                texts.Where((_, i) => i != 3).Select(t => t.Text));
        }
        finally
        {
            // Opening the FIFO for writing lets the abandoned opener return.
            using (FileStream _ = new(fifo, FileMode.Open, FileAccess.Write))
            {
            }
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void A_read_that_throws_throws_on_the_caller()
    {
        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => BoundedReadBatch.Run(10, i =>
            i == 6 ? throw new InvalidOperationException("read 6 failed") : new ProcText("ok", ReadOutcome.Ok), TimeSpan.FromSeconds(10), CancellationToken.None));
        Assert.Equal("read 6 failed", e.Message);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);
}
