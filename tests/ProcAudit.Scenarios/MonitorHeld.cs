using System.Collections.Concurrent;

namespace ProcAudit.Scenarios;

/// <summary>
/// One thread ("holder") takes <c>lock (members)</c> and, while holding it, blocks adding to a
/// full bounded <see cref="BlockingCollection{T}"/> that nobody drains; three more threads
/// ("waiter-1" to "waiter-3") block on <c>lock (members)</c>. Not a cycle: a lock held across a
/// wait that never ends, which is what a managed runtime view must explain.
/// </summary>
internal static class MonitorHeld
{
    private const int QueueCapacity = 10;
    private const int Waiters = 3;

    public static void Run()
    {
        List<string> members = new List<string>();
        BlockingCollection<int> queue = new BlockingCollection<int>(QueueCapacity);
        using ManualResetEventSlim lockTaken = new ManualResetEventSlim(false);

        Thread holder = new Thread(() => HoldWhileAdding(members, queue, lockTaken))
        {
            Name = "holder",
        };
        holder.Start();

        // The waiters start only once the holder owns the lock, so they always wait on it
        // instead of sometimes taking it first.
        lockTaken.Wait();
        List<Thread> threads = new List<Thread> { holder };
        for (int i = 1; i <= Waiters; i++)
        {
            Thread waiter = new Thread(() => AddMember(members))
            {
                Name = $"waiter-{i}",
            };
            waiter.Start();
            threads.Add(waiter);
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }
    }

    private static void HoldWhileAdding(List<string> members, BlockingCollection<int> queue, ManualResetEventSlim lockTaken)
    {
        lock (members)
        {
            lockTaken.Set();

            // The eleventh Add blocks forever: the capacity is ten and there is no consumer.
            for (int item = 0; ; item++)
            {
                queue.Add(item);
            }
        }
    }

    private static void AddMember(List<string> members)
    {
        lock (members)
        {
            members.Add(Thread.CurrentThread.Name ?? "?");
        }
    }
}
