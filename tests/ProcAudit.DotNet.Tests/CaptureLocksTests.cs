using ProcAudit.DotNet.Tests.Infrastructure;

namespace ProcAudit.DotNet.Tests;

/// <summary>Monitor owners and waiters through ClrMD, on real hung processes.</summary>
public sealed class CaptureLocksTests
{
    [Fact(Timeout = 120_000)]
    public async Task LockOrderInversion_TwoLocksEachOwnedByOneWorkerAndAwaitedByTheOther()
    {
        await Task.Run(() =>
        {
            using HangingProcess process = Scenarios.StartBlocked("lock-order-inversion", "worker-a", "worker-b");
            int workerA = ProcThreads.TidByComm(process.Pid, "worker-a")!.Value;
            int workerB = ProcThreads.TidByComm(process.Pid, "worker-b")!.Value;

            ManagedLocks locks = DotNetInspector.CaptureLocks(process.Pid, Scenarios.Budget);

            Assert.True(locks.Status == CaptureStatus.Captured, $"{locks.Status}: {string.Join(" | ", locks.Notes)}");
            Assert.False(locks.Suspended);
            Assert.Equal(2, locks.Locks.Length);

            MonitorLock accounts = Assert.Single(locks.Locks, static l => l.TypeName == "ProcAudit.Scenarios.LockOrderInversion+Accounts");
            MonitorLock ledger = Assert.Single(locks.Locks, static l => l.TypeName == "ProcAudit.Scenarios.LockOrderInversion+Ledger");

            // worker-a took Accounts first and waits for Ledger; worker-b the other way round.
            Assert.Equal(workerA, accounts.OwnerOsThreadId);
            Assert.Equal(workerB, ledger.OwnerOsThreadId);
            MonitorWaiter waitsForAccounts = Assert.Single(accounts.Waiters);
            MonitorWaiter waitsForLedger = Assert.Single(ledger.Waiters);
            Assert.Equal(workerB, waitsForAccounts.OsThreadId);
            Assert.Equal(workerA, waitsForLedger.OsThreadId);
            Assert.Equal("ProcAudit.Scenarios.LockOrderInversion.TakeBoth(Object, Object, Barrier)", waitsForAccounts.Frame);
            Assert.Equal("ProcAudit.Scenarios.LockOrderInversion.TakeBoth(Object, Object, Barrier)", waitsForLedger.Frame);

            foreach (MonitorLock monitor in locks.Locks)
            {
                Assert.Equal(MonitorLockKind.SyncBlock, monitor.Kind);
                Assert.Equal(1, monitor.RecursionCount);
                Assert.NotNull(monitor.OwnerManagedThreadId);
                Assert.Equal(monitor.Waiters[0].ManagedThreadId, locks.Locks.Single(other => other != monitor).OwnerManagedThreadId);
            }
        });
    }

    [Fact(Timeout = 120_000)]
    public async Task MonitorHeld_OwnerIsInBlockingCollectionAdd_AndThreeThreadsWait()
    {
        await Task.Run(() =>
        {
            using HangingProcess process = Scenarios.StartBlocked("monitor-held", "holder", "waiter-1", "waiter-2", "waiter-3");
            int holder = ProcThreads.TidByComm(process.Pid, "holder")!.Value;
            int[] waiters = new[] { "waiter-1", "waiter-2", "waiter-3" }
                .Select(name => ProcThreads.TidByComm(process.Pid, name)!.Value)
                .Order()
                .ToArray();

            ManagedLocks locks = DotNetInspector.CaptureLocks(process.Pid, Scenarios.Budget);

            Assert.True(locks.Status == CaptureStatus.Captured, $"{locks.Status}: {string.Join(" | ", locks.Notes)}");
            MonitorLock members = Assert.Single(locks.Locks, static l => l.Waiters.Length > 0);
            Assert.Equal("System.Collections.Generic.List<System.String>", members.TypeName);
            Assert.Equal(holder, members.OwnerOsThreadId);
            Assert.Equal(waiters, members.Waiters.Select(static w => w.OsThreadId).ToArray());
            Assert.All(members.Waiters, static w => Assert.Equal("ProcAudit.Scenarios.MonitorHeld.AddMember(List`1<String>)", w.Frame));

            // The owner's own stack says why it never lets go: it is stuck adding to the full queue.
            ManagedThreadStack? owner = locks.FindThread(holder);
            Assert.True(owner is not null, $"no stack for the holder {holder}");
            Assert.Contains(owner.Frames, static frame => frame.StartsWith("System.Collections.Concurrent.BlockingCollection`1[System.Int32].Add(", StringComparison.Ordinal));
            Assert.Contains(owner.Frames, static frame => frame.StartsWith("ProcAudit.Scenarios.MonitorHeld.HoldWhileAdding(", StringComparison.Ordinal));
        });
    }

    [Fact(Timeout = 120_000)]
    public async Task ThreadingLockInversion_OwnersFromTheLockFields()
    {
        await Task.Run(() =>
        {
            using HangingProcess process = Scenarios.StartBlocked("threading-lock-inversion", "worker-a", "worker-b");
            int workerA = ProcThreads.TidByComm(process.Pid, "worker-a")!.Value;
            int workerB = ProcThreads.TidByComm(process.Pid, "worker-b")!.Value;

            ManagedLocks locks = DotNetInspector.CaptureLocks(process.Pid, Scenarios.Budget);

            Assert.True(locks.Status == CaptureStatus.Captured, $"{locks.Status}: {string.Join(" | ", locks.Notes)}");
            Assert.Equal(2, locks.Locks.Length);
            Assert.All(locks.Locks, static l => Assert.Equal(MonitorLockKind.ThreadingLock, l.Kind));
            Assert.All(locks.Locks, static l => Assert.Equal("System.Threading.Lock", l.TypeName));
            MonitorLock ownedByA = Assert.Single(locks.Locks, l => l.OwnerOsThreadId == workerA);
            MonitorLock ownedByB = Assert.Single(locks.Locks, l => l.OwnerOsThreadId == workerB);
            Assert.Equal(workerB, Assert.Single(ownedByA.Waiters).OsThreadId);
            Assert.Equal(workerA, Assert.Single(ownedByB.Waiters).OsThreadId);
            Assert.Equal("ProcAudit.Scenarios.ThreadingLockInversion.TakeBoth(Lock, Lock, Barrier)", ownedByA.Waiters[0].Frame);
        });
    }
}
