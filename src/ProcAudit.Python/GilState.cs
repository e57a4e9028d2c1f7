using System.Buffers.Binary;
using ProcAudit.Go;

namespace ProcAudit.Python;

/// <summary>
/// The GIL as struct _gil_runtime_state records it. last_holder names the holder only while locked is 1: a released
/// GIL keeps the last thread that had it, so with every thread blocked it would wrongly name that one.
/// </summary>
/// <param name="Locked">Some thread holds the GIL now.</param>
/// <param name="LastHolder">The thread state that holds it (or last held it).</param>
/// <param name="Address">Where the GIL struct is.</param>
/// <param name="Cond">Where its condition variable is, the one threads waiting for the GIL sleep on.</param>
/// <param name="CondSize">The condition variable's size.</param>
internal readonly record struct GilState(bool Locked, ulong LastHolder, ulong Address, ulong Cond, int CondSize)
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
        ulong holder = BinaryPrimitives.ReadUInt64LittleEndian(gil[layout.GilLastHolder..]);
        return locked is 0 or 1 ? new GilState(locked == 1, holder, address, address + (ulong)layout.GilCond, layout.GilCondSize) : null;
    }

    /// <summary>Whether a thread sleeping in futex on <paramref name="futex"/> waits for this GIL (sleeps on its condition variable).</summary>
    public bool IsWaiter(ulong futex) => futex >= Cond && futex < Cond + (ulong)CondSize;

    /// <summary>Whether thread state <paramref name="tstate"/> holds this GIL.</summary>
    public bool HeldBy(ulong tstate) => Locked && LastHolder == tstate;
}
