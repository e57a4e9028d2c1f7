using System.Buffers.Binary;
using System.Collections.Immutable;
using ProcAudit.Capture.Syscalls;

namespace ProcAudit.Tests.Syscalls;

/// <summary>
/// Time limits and poll sets read from a blocked call's arguments. The registers are those of real
/// blocked calls seen here (sleep 600's clock_nanosleep, .NET's futex and epoll_wait, Python's poll);
/// the memory they point at is built from the kernel's struct layouts.
/// </summary>
public sealed class WaitArgumentsTests
{
    private static readonly Func<int, double?> s_clocks = clock => clock switch { 0 => 1_000_000.0, 1 => 5_000.0, _ => null };

    [Fact]
    public void A_relative_clock_nanosleep_reads_its_duration_from_the_timespec()
    {
        // sleep 600 (coreutils): clock_nanosleep(CLOCK_REALTIME, 0, &req, &rem).
        ImmutableArray<ulong> args = Args(0x0, 0x0, 0x7ffd6b55fae0, 0x7ffd6b55fb20, 0x0, 0x0);

        WaitTimer? timer = WaitArguments.Timer("clock_nanosleep", args, Memory(0x7ffd6b55fae0, Timespec(600, 0)), s_clocks);

        Assert.Equal(new WaitTimer(600, Absolute: false, LeftSeconds: null), timer);
    }

    [Fact]
    public void An_absolute_clock_nanosleep_says_what_is_left_on_its_clock()
    {
        ImmutableArray<ulong> args = Args(0x1, 0x1, 0x7000, 0x0, 0x0, 0x0);

        WaitTimer? timer = WaitArguments.Timer("clock_nanosleep", args, Memory(0x7000, Timespec(5_030, 500_000_000)), s_clocks);

        Assert.Equal(new WaitTimer(30.5, Absolute: true, LeftSeconds: 30.5), timer);
    }

    [Fact]
    public void A_futex_wait_without_a_timeout_pointer_has_no_time_limit()
    {
        // The main thread of a .NET program in Task.Wait: FUTEX_WAIT_BITSET|PRIVATE|CLOCK_REALTIME, no timeout.
        ImmutableArray<ulong> args = Args(0x5593aeba81d0, 0x189, 0x0, 0x0, 0x0, 0xffffffff);

        Assert.Null(WaitArguments.Timer("futex", args, Memory(0, []), s_clocks));
    }

    [Fact]
    public void A_futex_wait_bitset_deadline_is_on_the_monotonic_clock_unless_it_asks_for_realtime()
    {
        // An idle .NET pool thread: FUTEX_WAIT_BITSET|PRIVATE (0x89) with a deadline.
        ImmutableArray<ulong> monotonic = Args(0x5593aec410b0, 0x89, 0x0, 0x7f65dc9fe770, 0x0, 0xffffffff);
        ImmutableArray<ulong> realtime = Args(0x5593aec410b0, 0x189, 0x0, 0x7f65dc9fe770, 0x0, 0xffffffff);
        MemoryReader memory = Memory(0x7f65dc9fe770, Timespec(5_020, 0));

        Assert.Equal(new WaitTimer(20, Absolute: true, LeftSeconds: 20), WaitArguments.Timer("futex", monotonic, memory, s_clocks));
        // Against the realtime clock the same deadline is long past: nothing left.
        Assert.Equal(new WaitTimer(0, Absolute: true, LeftSeconds: 0), WaitArguments.Timer("futex", realtime, memory, s_clocks));
    }

    [Fact]
    public void A_plain_futex_wait_timeout_is_relative()
    {
        ImmutableArray<ulong> args = Args(0x1000, 0x80, 0x2, 0x7100, 0x0, 0x0);

        Assert.Equal(new WaitTimer(2.25, Absolute: false, LeftSeconds: null),
            WaitArguments.Timer("futex", args, Memory(0x7100, Timespec(2, 250_000_000)), s_clocks));
    }

    [Fact]
    public void Epoll_wait_and_poll_take_milliseconds_in_a_register_and_minus_one_is_for_ever()
    {
        // .NET Sockets: epoll_wait(epfd, events, 1024, -1).
        Assert.Null(WaitArguments.Timer("epoll_wait", Args(0x35, 0x7f59e00113c0, 0x400, 0xffffffff, 0x0, 0x0), Memory(0, []), s_clocks));
        Assert.Equal(new WaitTimer(1.5, Absolute: false, LeftSeconds: null),
            WaitArguments.Timer("epoll_pwait", Args(0x4, 0xc000, 0x80, 1500, 0x0, 0x8), Memory(0, []), s_clocks));
        Assert.Equal(new WaitTimer(0.25, Absolute: false, LeftSeconds: null),
            WaitArguments.Timer("poll", Args(0x7000, 0x1, 250, 0x0, 0x0, 0x0), Memory(0, []), s_clocks));
    }

    [Fact]
    public void A_timeout_pointer_that_cannot_be_read_is_a_limit_of_unknown_length()
    {
        // A recorded tree has the registers but not the memory.
        ImmutableArray<ulong> args = Args(0x0, 0x0, 0x7ffd6b55fae0, 0x7ffd6b55fb20, 0x0, 0x0);

        Assert.Equal(new WaitTimer(null, Absolute: false, LeftSeconds: null), WaitArguments.Timer("nanosleep", Args(0x7ffd6b55fae0, 0x0, 0, 0, 0, 0), Memory(0, []), s_clocks));
        Assert.Equal(new WaitTimer(null, Absolute: false, LeftSeconds: null), WaitArguments.Timer("clock_nanosleep", args, Memory(0, []), s_clocks));
    }

    [Fact]
    public void A_timespec_the_kernel_would_reject_is_a_misread()
    {
        ImmutableArray<ulong> args = Args(0x7000, 0x0, 0, 0, 0, 0);

        Assert.Equal(new WaitTimer(null, Absolute: false, LeftSeconds: null), WaitArguments.Timer("nanosleep", args, Memory(0x7000, Timespec(1, 1_000_000_000)), s_clocks));
        Assert.Equal(new WaitTimer(null, Absolute: false, LeftSeconds: null), WaitArguments.Timer("nanosleep", args, Memory(0x7000, Timespec(-1, 0)), s_clocks));
    }

    [Fact]
    public void Calls_without_a_time_limit_argument_have_none()
    {
        Assert.Null(WaitArguments.Timer("read", Args(0x3, 0x7000, 0x1000, 0, 0, 0), Memory(0, []), s_clocks));
        Assert.Null(WaitArguments.Timer("pause", Args(0, 0, 0, 0, 0, 0), Memory(0, []), s_clocks));
        Assert.Null(WaitArguments.Timer("nanosleep", ImmutableArray<ulong>.Empty, Memory(0, []), s_clocks));
    }

    [Fact]
    public void Poll_reads_the_pollfd_array_and_skips_negative_descriptors()
    {
        byte[] pollfds = new byte[24];
        BinaryPrimitives.WriteInt32LittleEndian(pollfds, 5);
        BinaryPrimitives.WriteInt32LittleEndian(pollfds.AsSpan(8), -1);
        BinaryPrimitives.WriteInt32LittleEndian(pollfds.AsSpan(16), 3);

        ImmutableArray<int> fds = WaitArguments.PolledFds("poll", Args(0x7000, 3, 0xffffffff, 0, 0, 0), Memory(0x7000, pollfds));

        Assert.Equal(new[] { 3, 5 }, fds);
    }

    [Fact]
    public void Select_reads_the_read_and_write_sets_up_to_n()
    {
        byte[] read = new byte[8];
        read[0] = 0b0000_1001; // fds 0 and 3
        byte[] write = new byte[8];
        write[1] = 0b0000_0100; // fd 10
        MemoryReader memory = (address, length) => address switch
        {
            0x7000 when length == 8 => read,
            0x8000 when length == 8 => write,
            _ => null,
        };

        ImmutableArray<int> fds = WaitArguments.PolledFds("select", Args(11, 0x7000, 0x8000, 0x0, 0x0, 0x0), memory);

        Assert.Equal(new[] { 0, 3, 10 }, fds);
    }

    [Fact]
    public void An_unreadable_or_oversized_set_is_empty()
    {
        Assert.Empty(WaitArguments.PolledFds("poll", Args(0x7000, 2, 0, 0, 0, 0), Memory(0, [])));
        Assert.Empty(WaitArguments.PolledFds("poll", Args(0x7000, WaitArguments.MaxFds + 1, 0, 0, 0, 0), Memory(0x7000, new byte[8])));
        Assert.Empty(WaitArguments.PolledFds("epoll_wait", Args(0x4, 0x7000, 0x80, 0xffffffff, 0, 0), Memory(0, [])));
    }

    private static ImmutableArray<ulong> Args(params ulong[] values) => values.ToImmutableArray();

    private static byte[] Timespec(long seconds, long nanoseconds)
    {
        byte[] bytes = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, seconds);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), nanoseconds);
        return bytes;
    }

    /// <summary>Memory holding <paramref name="bytes"/> at <paramref name="at"/> and nothing else.</summary>
    private static MemoryReader Memory(ulong at, byte[] bytes) =>
        (address, length) => address == at && length <= bytes.Length ? bytes[..length] : null;
}
