namespace ProcAudit.Scenarios;

/// <summary>
/// Two named threads take two monitors of distinct types in opposite order: worker-a locks
/// <see cref="Accounts"/> then <see cref="Ledger"/>, worker-b locks <see cref="Ledger"/> then
/// <see cref="Accounts"/>. A barrier between the first and the second lock makes the deadlock
/// certain rather than likely; the main thread joins both, so the process hangs forever.
/// </summary>
internal static class LockOrderInversion
{
    public static void Run()
    {
        Accounts accounts = new Accounts();
        Ledger ledger = new Ledger();

        // Each worker reaches the barrier only while holding its first lock, so when the
        // barrier opens both first locks are held and both second locks must wait forever.
        using Barrier bothHoldFirst = new Barrier(2);
        Thread workerA = new Thread(() => TakeBoth(accounts, ledger, bothHoldFirst))
        {
            Name = "worker-a",
        };
        Thread workerB = new Thread(() => TakeBoth(ledger, accounts, bothHoldFirst))
        {
            Name = "worker-b",
        };
        workerA.Start();
        workerB.Start();
        workerA.Join();
        workerB.Join();
    }

    private static void TakeBoth(object first, object second, Barrier bothHoldFirst)
    {
        lock (first)
        {
            bothHoldFirst.SignalAndWait();
            lock (second)
            {
                // Never reached: the other worker holds `second` and waits for `first`.
                Thread.Sleep(Timeout.Infinite);
            }
        }
    }

    /// <summary>The first lock of worker-a, the second of worker-b; its type names it in the report.</summary>
    private sealed class Accounts
    {
    }

    /// <summary>The first lock of worker-b, the second of worker-a.</summary>
    private sealed class Ledger
    {
    }
}
