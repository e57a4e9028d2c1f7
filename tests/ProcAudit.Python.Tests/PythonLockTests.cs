using System.Diagnostics;
using ProcAudit.Python.Tests.Infrastructure;

namespace ProcAudit.Python.Tests;

/// <summary>
/// Lock and GIL waits read from real interpreters of every supported release, compared with what the program itself
/// says: the lock a thread sleeps on is the object whose id() the program wrote, its semaphore is the futex the kernel
/// shows, an RLock's owner is the thread the program made take it, and only a thread inside <c>with lock:</c> is
/// found holding a lock.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PythonLockTests
{
    [Theory(Timeout = 180_000)]
    [MemberData(nameof(Interpreters.Supported), MemberType = typeof(Interpreters))]
    public async Task TheLockAThreadWaitsForAndWhoHoldsItAreTheProgramsOwn(string version)
    {
        await Task.Yield();
        (PythonProcess target, InterpreterView view) = PythonProcess.StartWaits(Interpreters.Executable(version), "locks");
        using (target)
        {
            Dictionary<int, ulong> futex = FutexWaits.Of(target.Pid);
            PythonProcessView read = PythonReader.Read(target.Pid, Views.Budget, futex);
            Assert.Empty(read.Notes);
            PythonThread Thread(string name) => read.Threads.Single(t => t.NativeThreadId == view.Thread(name).NativeId);

            // "lockwait" sleeps on the Lock "recv" took with `with lock:` in a generator before blocking in recv.
            PythonLock waited = Assert.IsType<PythonLock>(Thread("lockwait").WaitsForLock);
            Assert.Equal((view.Lock("lock"), PythonLockKind.Lock, true, futex[view.Thread("lockwait").NativeId]), (waited.Address, waited.Kind, waited.Locked, waited.Semaphore));
            Assert.Null(waited.OwnerIdent);
            PythonThread recv = Thread("recv");
            PythonLockHold hold = Assert.Single(recv.HeldLocks);
            Assert.Equal(view.Lock("lock"), hold.Lock.Address);
            Assert.Equal(("recv_gen", Markers.Line("recv")), (recv.Frames[hold.Frame].Function, recv.Frames[hold.Frame].Line));
            Assert.All(read.Threads.Where(t => t != recv), t => Assert.DoesNotContain(t.HeldLocks, h => h.Lock.Address == view.Lock("lock")));

            // "event" sleeps in Event.wait on the Condition's own waiter Lock, which no `with` holds.
            PythonLock conditionWaiter = Assert.IsType<PythonLock>(Thread("event").WaitsForLock);
            Assert.Equal(PythonLockKind.Lock, conditionWaiter.Kind);
            Assert.NotEqual(view.Lock("lock"), conditionWaiter.Address);
            Assert.All(read.Threads, t => Assert.DoesNotContain(t.HeldLocks, h => h.Lock.Address == conditionWaiter.Address));

            // "rwait" sleeps on the RLock "rowner" took twice with acquire(): the owner and count are the RLock's own record.
            PythonLock rlock = Assert.IsType<PythonLock>(Thread("rwait").WaitsForLock);
            Assert.Equal((view.Lock("rlock"), PythonLockKind.RLock, view.Thread("rowner").Ident, view.Thread("rowner").NativeId, 2L),
                (rlock.Address, rlock.Kind, rlock.OwnerIdent, rlock.OwnerTid, rlock.Count));
            Assert.Empty(Thread("rowner").HeldLocks);

            // Main reads a pipe: no futex, no lock; nothing here waits for the GIL.
            Assert.Null(Thread("MainThread").WaitsForLock);
            Assert.All(read.Threads, t => Assert.False(t.WaitsForGil));
        }
    }

    [Theory(Timeout = 180_000)]
    [MemberData(nameof(Interpreters.Supported), MemberType = typeof(Interpreters))]
    public async Task TwoThreadsTakingTwoLocksInOppositeOrderEachHoldTheOneTheOtherWaitsFor(string version)
    {
        await Task.Yield();
        (PythonProcess target, InterpreterView view) = PythonProcess.StartWaits(Interpreters.Executable(version), "abba");
        using (target)
        {
            PythonProcessView read = PythonReader.Read(target.Pid, Views.Budget, FutexWaits.Of(target.Pid));
            Assert.Empty(read.Notes);
            foreach ((string name, string holds, string waits) in new[] { ("abba-1", "a", "b"), ("abba-2", "b", "a") })
            {
                PythonThread thread = read.Threads.Single(t => t.NativeThreadId == view.Thread(name).NativeId);
                Assert.Equal(view.Lock(waits), thread.WaitsForLock?.Address);

                // Inside `with first:`, and in `with second:`'s __enter__, which has not returned: only the first is held.
                PythonLockHold hold = Assert.Single(thread.HeldLocks);
                Assert.Equal(view.Lock(holds), hold.Lock.Address);
                Assert.Equal(("abba", Markers.Line("abba")), (thread.Frames[hold.Frame].Function, thread.Frames[hold.Frame].Line));
            }
        }
    }

    [Theory(Timeout = 180_000)]
    [MemberData(nameof(Interpreters.Supported), MemberType = typeof(Interpreters))]
    public async Task AThreadWaitingForTheGilIsToldFromOnesWaitingForLocks(string version)
    {
        await Task.Yield();
        (PythonProcess target, InterpreterView view) = PythonProcess.StartWaits(Interpreters.Executable(version), "gil");
        using (target)
        {
            // The holder keeps the GIL in libc's sleep; main, released by it, then waits for the GIL to run os.read.
            target.WaitForSyscall(view.GilNativeId!.Value, PythonProcess.SleepSyscall);
            target.WaitForSyscall(target.Pid, FutexWaits.FutexSyscall);
            // A GIL waiter wakes every switch interval (5 ms) to ask for the GIL and waits again; a read that falls in
            // that gap (wider on a loaded machine) sees it out of futex, so read until it is caught waiting, within a bound.
            PythonProcessView read = PythonReader.Read(target.Pid, Views.Budget, FutexWaits.Of(target.Pid));
            for (Stopwatch clock = Stopwatch.StartNew(); !read.Threads.Single(t => t.NativeThreadId == target.Pid).WaitsForGil && clock.Elapsed < TimeSpan.FromSeconds(5); Thread.Sleep(10))
            {
                read = PythonReader.Read(target.Pid, Views.Budget, FutexWaits.Of(target.Pid));
            }
            Assert.Empty(read.Notes);
            PythonThread main = read.Threads.Single(t => t.NativeThreadId == target.Pid);
            Assert.True(main.WaitsForGil);
            Assert.Null(main.WaitsForLock);
            Assert.Equal(view.GilNativeId, Assert.Single(read.Threads, t => t.HoldsGil == true).NativeThreadId);
            Assert.Equal(new[] { target.Pid }, read.Threads.Where(t => t.WaitsForGil).Select(t => t.NativeThreadId!.Value));
            Assert.Equal(view.Lock("lock"), read.Threads.Single(t => t.NativeThreadId == view.Thread("lockwait").NativeId).WaitsForLock?.Address);
        }
    }
}
