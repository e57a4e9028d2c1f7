using System.Collections.Immutable;

namespace ProcAudit.DotNet;

/// <summary>The managed frames of one thread, as the runtime reported them.</summary>
public sealed record ManagedThreadStack
{
    /// <summary>The kernel's thread id (the main thread's equals the pid), the key to join with /proc/PID/task/TID.</summary>
    public required int OsThreadId { get; init; }

    /// <summary>The runtime's managed thread id, when the source knows it (ClrMD does, EventPipe samples do not).</summary>
    public int? ManagedThreadId { get; init; }

    /// <summary>
    /// Managed frames, innermost first, as <c>Namespace.Type.Method(ParameterTypes)</c> with short parameter type
    /// names, e.g. <c>System.Diagnostics.Process.WaitForExit()</c> or <c>System.Threading.Monitor.Enter(Object, Boolean ByRef)</c>.
    /// </summary>
    public ImmutableArray<string> Frames { get; init; } = ImmutableArray<string>.Empty;
}
