using System.Buffers.Binary;
using System.Collections.Immutable;

namespace ProcAudit.Capture.Syscalls;

/// <summary>Reads <c>length</c> bytes of the blocked process's memory at an address; null when they cannot be read.</summary>
internal delegate byte[]? MemoryReader(ulong address, int length);

/// <summary>
/// What a blocked call's arguments say about how long it waits and on which descriptors: the
/// timeout of a sleep, a futex, a poll or a signal wait (a duration or a deadline, read from the
/// struct the call points at), and the descriptor set of poll and select. Pure: memory comes
/// through a reader, the clocks through a function, so recorded values can be replayed.
/// </summary>
internal static class WaitArguments
{
    private const int ClockRealtime = 0;
    private const int ClockMonotonic = 1;
    private const int TimerAbstime = 1;

    /// <summary>Most descriptors a poll or select set is read for: a larger set is left unread.</summary>
    public const int MaxFds = 4096;

    /// <summary>
    /// The call's time limit: null when it waits without one (or is not a timed wait);
    /// otherwise the duration, or for a deadline what is left of it by <paramref name="clockNow"/>.
    /// </summary>
    /// <param name="name">The syscall's name.</param>
    /// <param name="args">Its six argument registers.</param>
    /// <param name="read">The process's memory.</param>
    /// <param name="clockNow">Now on a clock id (CLOCK_REALTIME 0, CLOCK_MONOTONIC 1), in seconds; null when unknown.</param>
    public static WaitTimer? Timer(string name, ImmutableArray<ulong> args, MemoryReader read, Func<int, double?> clockNow)
    {
        if (args.Length < 6)
        {
            return null;
        }
        switch (name)
        {
            case "nanosleep":
                return Relative(Timespec(args[0], read));
            case "clock_nanosleep":
                return ((int)args[1] & TimerAbstime) != 0
                    ? Deadline(Timespec(args[2], read), clockNow((int)args[0]))
                    : Relative(Timespec(args[2], read));
            case "futex":
                return FutexTimer(args, read, clockNow);
            case "futex_waitv":
                return args[3] == 0 ? null : Deadline(Timespec(args[3], read), clockNow((int)args[4]));
            case "poll":
            case "epoll_wait":
            case "epoll_pwait":
                // An int of milliseconds; negative waits for ever.
                int ms = unchecked((int)(uint)args[name == "poll" ? 2 : 3]);
                return ms < 0 ? null : new WaitTimer(ms / 1000.0, Absolute: false, LeftSeconds: null);
            case "ppoll":
            case "rt_sigtimedwait":
                return args[2] == 0 ? null : Relative(Timespec(args[2], read));
            case "epoll_pwait2":
                return args[3] == 0 ? null : Relative(Timespec(args[3], read));
            case "pselect6":
                return args[4] == 0 ? null : Relative(Timespec(args[4], read));
            case "select":
                return args[4] == 0 ? null : Relative(Timeval(args[4], read));
            default:
                return null;
        }
    }

    /// <summary>The descriptors a poll, ppoll, select or pselect6 call waits on; empty for other calls or unreadable sets.</summary>
    public static ImmutableArray<int> PolledFds(string name, ImmutableArray<ulong> args, MemoryReader read)
    {
        if (args.Length < 6)
        {
            return ImmutableArray<int>.Empty;
        }
        switch (name)
        {
            case "poll":
            case "ppoll":
                return PollSet(args[0], args[1], read);
            case "select":
            case "pselect6":
                // Read and write sets; the exception set only ever adds out-of-band data on sockets.
                ulong n = args[0];
                if (n == 0 || n > MaxFds)
                {
                    return ImmutableArray<int>.Empty;
                }
                return FdSet(args[1], (int)n, read).Concat(FdSet(args[2], (int)n, read)).Distinct().Order().ToImmutableArray();
            default:
                return ImmutableArray<int>.Empty;
        }
    }

    private static WaitTimer? FutexTimer(ImmutableArray<ulong> args, MemoryReader read, Func<int, double?> clockNow)
    {
        ulong op = args[1];
        ulong cmd = FutexOps.Command(op);
        ulong timeout = args[3];
        int clock = (op & FutexOps.ClockRealtime) != 0 ? ClockRealtime : ClockMonotonic;
        return cmd switch
        {
            _ when timeout == 0 => null,
            FutexOps.Wait => Relative(Timespec(timeout, read)),
            FutexOps.WaitBitset or FutexOps.WaitRequeuePi or FutexOps.LockPi2 => Deadline(Timespec(timeout, read), clockNow(clock)),
            // FUTEX_LOCK_PI always takes a CLOCK_REALTIME deadline.
            FutexOps.LockPi => Deadline(Timespec(timeout, read), clockNow(ClockRealtime)),
            _ => null,
        };
    }

    private static WaitTimer Relative(double? seconds) => new(seconds, Absolute: false, LeftSeconds: null);

    private static WaitTimer Deadline(double? at, double? now)
    {
        double? left = at is double a && now is double n ? Math.Max(0, a - n) : null;
        return new WaitTimer(left, Absolute: true, LeftSeconds: left);
    }

    /// <summary>A struct timespec (64-bit tv_sec, tv_nsec) at an address, in seconds.</summary>
    private static double? Timespec(ulong address, MemoryReader read) => TwoLongs(address, read, 1e-9);

    /// <summary>A struct timeval (64-bit tv_sec, tv_usec) at an address, in seconds.</summary>
    private static double? Timeval(ulong address, MemoryReader read) => TwoLongs(address, read, 1e-6);

    private static double? TwoLongs(ulong address, MemoryReader read, double fractionUnit)
    {
        if (address == 0 || read(address, 16) is not { Length: 16 } bytes)
        {
            return null;
        }
        long seconds = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        long fraction = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8));
        // The kernel rejects anything else with EINVAL, so a blocked call never holds it: a misread.
        if (seconds < 0 || fraction < 0 || fraction * fractionUnit >= 1)
        {
            return null;
        }
        return seconds + fraction * fractionUnit;
    }

    private static ImmutableArray<int> PollSet(ulong address, ulong count, MemoryReader read)
    {
        if (address == 0 || count == 0 || count > MaxFds || read(address, (int)count * 8) is not byte[] bytes)
        {
            return ImmutableArray<int>.Empty;
        }
        // struct pollfd { int fd; short events; short revents; }: a negative fd is ignored by the kernel.
        HashSet<int> fds = new();
        for (int i = 0; i < (int)count; i++)
        {
            int fd = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(i * 8));
            if (fd >= 0)
            {
                fds.Add(fd);
            }
        }
        return fds.Order().ToImmutableArray();
    }

    private static IEnumerable<int> FdSet(ulong address, int n, MemoryReader read)
    {
        int bytesNeeded = (n + 63) / 64 * 8;
        if (address == 0 || read(address, bytesNeeded) is not byte[] bits)
        {
            yield break;
        }
        for (int fd = 0; fd < n; fd++)
        {
            if ((bits[fd / 8] & (1 << (fd % 8))) != 0)
            {
                yield return fd;
            }
        }
    }
}
