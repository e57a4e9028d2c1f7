namespace ProcAudit.Scenarios;

/// <summary>
/// <see cref="LockOrderInversion"/> with <see cref="Lock"/> (.NET 9+) instead of monitors: <c>lock (x)</c> on a
/// <see cref="Lock"/> enters the lock itself and never touches a sync block, so its owner is only in its fields.
/// worker-a takes <c>first</c> then <c>second</c>, worker-b the other way round, with a barrier between.
/// </summary>
internal static class ThreadingLockInversion
{
    public static void Run()
    {
        Lock first = new Lock();
        Lock second = new Lock();
        using Barrier bothHoldFirst = new Barrier(2);
        Thread workerA = new Thread(() => TakeBoth(first, second, bothHoldFirst))
        {
            Name = "worker-a",
        };
        Thread workerB = new Thread(() => TakeBoth(second, first, bothHoldFirst))
        {
            Name = "worker-b",
        };
        workerA.Start();
        workerB.Start();
        workerA.Join();
        workerB.Join();
    }

    private static void TakeBoth(Lock mine, Lock theirs, Barrier bothHoldFirst)
    {
        lock (mine)
        {
            bothHoldFirst.SignalAndWait();
            lock (theirs)
            {
                // Never reached: the other worker holds `theirs` and waits for `mine`.
                Thread.Sleep(Timeout.Infinite);
            }
        }
    }
}
