using System.Buffers.Binary;
using System.Collections.Immutable;

namespace ProcAudit.Go;

/// <summary>One physical frame as the unwinder walked it.</summary>
/// <param name="Func">The function.</param>
/// <param name="Pc">The frame's pc (a return address for every frame but the innermost).</param>
/// <param name="Sp">The frame's lowest address.</param>
/// <param name="Fp">The caller's sp: the frame spans [Sp, Fp).</param>
/// <param name="FrameIndex">Index of this function's own (not inlined) entry in the goroutine's frame list.</param>
internal readonly record struct GoStackFrame(GoFunc Func, ulong Pc, ulong Sp, ulong Fp, int FrameIndex)
{
    /// <summary>
    /// The runtime's varp: the frame's top below the return address and, when the frame has one, the saved frame
    /// pointer. Locals and open-coded defer slots are addressed downwards from it.
    /// </summary>
    public ulong Varp => Fp - 8 > Sp ? Fp - 16 : Fp - 8;
}

/// <summary>A copy of a goroutine's stack, [Base, Base + Bytes.Length), and its physical frames.</summary>
internal sealed record GoStack(ulong Base, byte[] Bytes, ImmutableArray<GoStackFrame> Frames)
{
    /// <summary>An empty stack (running goroutines, unreadable stacks).</summary>
    public static GoStack Empty { get; } = new GoStack(0, [], ImmutableArray<GoStackFrame>.Empty);

    /// <summary>The word at <paramref name="address"/> from the copy, or null outside it.</summary>
    public ulong? Word(ulong address)
    {
        if (address < Base || address - Base + 8 > (ulong)Bytes.Length)
        {
            return null;
        }

        return BinaryPrimitives.ReadUInt64LittleEndian(Bytes.AsSpan((int)(address - Base)));
    }

    /// <summary>The byte at <paramref name="address"/> from the copy, or null outside it.</summary>
    public byte? Byte(ulong address)
    {
        return address < Base || address - Base >= (ulong)Bytes.Length ? null : Bytes[(int)(address - Base)];
    }
}
