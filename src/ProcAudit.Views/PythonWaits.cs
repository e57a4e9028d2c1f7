using System.Collections.Immutable;
using System.Globalization;
using ProcAudit.Python;

namespace ProcAudit.Views;

/// <summary>A Python thread's lock and GIL waits, as the snapshot records them.</summary>
internal static class PythonWaits
{
    /// <summary>The wait record of <paramref name="thread"/> of process <paramref name="pid"/>; null when it waits for no lock or GIL and holds no waited-for lock.</summary>
    public static PythonWaitInfo? Of(int pid, PythonThread thread)
    {
        if (thread.WaitsForLock is null && !thread.WaitsForGil && thread.HeldLocks.IsDefaultOrEmpty)
        {
            return null;
        }

        return new PythonWaitInfo
        {
            Lock = thread.WaitsForLock is PythonLock l ? new PythonLockInfo(Id(pid, l), Kind(l), l.OwnerTid, l.Count) : null,
            Gil = thread.WaitsForGil,
            Holds = thread.HeldLocks.Select(h => new PythonHeldLock(Id(pid, h.Lock), Kind(h.Lock), Frame(thread, h.Frame))).ToImmutableArray(),
        };
    }

    /// <summary><c>pylock:PID:0xADDR</c>.</summary>
    public static string Id(int pid, PythonLock l) =>
        $"pylock:{pid.ToString(CultureInfo.InvariantCulture)}:0x{l.Address.ToString("x", CultureInfo.InvariantCulture)}";

    private static string Kind(PythonLock l) => l.Kind == PythonLockKind.RLock ? "threading.RLock" : "threading.Lock";

    private static StackFrame? Frame(PythonThread thread, int index) =>
        index >= 0 && index < thread.Frames.Length
            ? new StackFrame(thread.Frames[index].QualifiedName ?? thread.Frames[index].Function, thread.Frames[index].File, thread.Frames[index].Line)
            : null;
}
