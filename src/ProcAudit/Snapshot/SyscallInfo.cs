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

    /// <summary>The file descriptor argument, for calls whose first argument is one.</summary>
    public int? Fd { get; init; }

    /// <summary>The object behind <see cref="Fd"/> (its link text, e.g. <c>pipe:[8533]</c>).</summary>
    public string? Object { get; init; }

    /// <summary>For connect: the listening socket it is trying to reach, when that is on this machine (from the address it passed).</summary>
    public string? Target { get; init; }
}
