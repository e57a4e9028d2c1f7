using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace ProcAudit;

/// <summary>The syscall a thread is blocked in, from /proc/PID/task/TID/syscall.</summary>
public sealed record SyscallInfo
{
    /// <summary>The architecture's syscall number.</summary>
    public required long Number { get; init; }

    /// <summary>The syscall's name, when the number is known for the snapshot's architecture.</summary>
    public string? Name { get; init; }

    /// <summary>The six raw argument registers (written as hex strings: they are addresses as often as numbers).</summary>
    [JsonConverter(typeof(HexArgsConverter))]
    public ImmutableArray<ulong> Args { get; init => field = value.OrEmpty(); } = ImmutableArray<ulong>.Empty;

    /// <summary>What kind of wait the call is (a read or write on its fd, a child wait, a poll, a futex, a sleep), as the capture classified it.</summary>
    public SyscallShape Shape { get; init; }

    /// <summary>The file descriptor argument, for calls whose first argument is one.</summary>
    public int? Fd { get; init; }

    /// <summary>The object behind <see cref="Fd"/> (its link text, e.g. <c>pipe:[8533]</c>).</summary>
    public string? Object { get; init; }

    /// <summary>For connect: the listening socket it is trying to reach, when that is on this machine (from the address it passed).</summary>
    public string? Target { get; init; }

    /// <summary>
    /// The time limit the call was given, for calls that take one (sleeps, timed futex and poll
    /// waits); null when the call waits without a limit or takes none.
    /// </summary>
    public WaitTimer? Timer { get; init; }

    /// <summary>For poll, ppoll, select and pselect6: the descriptors it waits on, read from its arguments in memory.</summary>
    public ImmutableArray<int> WaitsOnFds { get; init => field = value.OrEmpty(); } = ImmutableArray<int>.Empty;
}

/// <summary>The time limit of a blocked call.</summary>
/// <param name="Seconds">The limit as the call was given it (for an absolute deadline: what was left when it was read); null when it could not be read.</param>
/// <param name="Absolute">True when the call was given a deadline on a clock rather than a duration.</param>
/// <param name="LeftSeconds">How long until the call returns by itself, when that is known: an absolute deadline, or a duration and the time the thread went to sleep.</param>
public sealed record WaitTimer(double? Seconds, bool Absolute, double? LeftSeconds);
