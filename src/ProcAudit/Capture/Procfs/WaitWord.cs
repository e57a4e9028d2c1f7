using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ProcAudit.Capture.Procfs;

/// <summary>
/// An int that one thread sleeps on until another changes it, through futex(2) and nothing else: no
/// spinning, no yielding. .NET's waits (BlockingCollection, SemaphoreSlim, a contended lock) spin
/// and call sched_yield before they sleep; for the bounded-read hand-off that was 70,000 yields in
/// a 16x scan, each handing the CPU to whatever else runs on a loaded machine.
/// </summary>
internal sealed unsafe class WaitWord
{
    // Pinned for the kernel, and alive as long as this object is, whoever sleeps on it.
    private readonly int[] _word = GC.AllocateArray<int>(1, pinned: true);

    public int Value => Volatile.Read(ref _word[0]);

    /// <summary>Sets the word and wakes every thread asleep on it.</summary>
    public void Set(int value)
    {
        Volatile.Write(ref _word[0], value);
        Wake();
    }

    /// <summary>Adds one to the word and wakes every thread asleep on it.</summary>
    public void Increment()
    {
        Interlocked.Increment(ref _word[0]);
        Wake();
    }

    /// <summary>Sleeps while the word holds <paramref name="expected"/>; false when <paramref name="timeout"/> passed first.</summary>
    public bool WaitWhile(int expected, TimeSpan timeout)
    {
        long start = Stopwatch.GetTimestamp();
        int* address = (int*)Unsafe.AsPointer(ref _word[0]);
        while (Value == expected)
        {
            TimeSpan left = timeout - Stopwatch.GetElapsedTime(start);
            if (left <= TimeSpan.Zero)
            {
                return false;
            }
            Native.Native.Timespec wait = new() { Seconds = left.Ticks / TimeSpan.TicksPerSecond, Nanoseconds = left.Ticks % TimeSpan.TicksPerSecond * 100 };
            // EAGAIN: the word changed before the kernel looked; EINTR: a signal; ETIMEDOUT: checked above on the next turn.
            Native.Native.Syscall(Native.Native.SYS_futex, address, Native.Native.FUTEX_WAIT_PRIVATE, expected, &wait);
        }
        return true;
    }

    private void Wake()
    {
        Native.Native.Syscall(Native.Native.SYS_futex, (int*)Unsafe.AsPointer(ref _word[0]), Native.Native.FUTEX_WAKE_PRIVATE, int.MaxValue, null);
    }
}
