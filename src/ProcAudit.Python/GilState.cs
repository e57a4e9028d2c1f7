using System.Buffers.Binary;
using ProcAudit.Go;

namespace ProcAudit.Python;

/// <summary>
/// The GIL as struct _gil_runtime_state records it. last_holder names the holder only while locked is 1: a released
/// GIL keeps the last thread that had it, so with every thread blocked it would wrongly name that one.
/// </summary>
/// <param name="Locked">Some thread holds the GIL now.</param>
/// <param name="LastHolder">The thread state that holds it (or last held it).</param>
internal readonly record struct GilState(bool Locked, ulong LastHolder)
{
    /// <summary>The GIL struct at <paramref name="address"/>; null when unreadable or not a plausible GIL (locked not 0 or 1).</summary>
    public static GilState? Read(ITargetMemory memory, PythonLayout layout, ulong address)
    {
        Span<byte> gil = stackalloc byte[Math.Max(layout.GilLocked + 4, layout.GilLastHolder + 8)];
        if (address == 0 || !memory.TryRead(address, gil))
        {
            return null;
        }

        int locked = BinaryPrimitives.ReadInt32LittleEndian(gil[layout.GilLocked..]);
        return locked is 0 or 1 ? new GilState(locked == 1, BinaryPrimitives.ReadUInt64LittleEndian(gil[layout.GilLastHolder..])) : null;
    }

    /// <summary>Whether thread state <paramref name="tstate"/> holds this GIL.</summary>
    public bool HeldBy(ulong tstate) => Locked && LastHolder == tstate;
}
