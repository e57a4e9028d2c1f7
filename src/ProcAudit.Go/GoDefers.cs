using System.Buffers.Binary;

namespace ProcAudit.Go;

/// <summary>A deferred call a frame has registered and not yet run: the closure and the words it captured.</summary>
/// <param name="Function">The closure's function, e.g. <c>main.(*room).broadcast.func1</c>.</param>
/// <param name="Calls">What it calls or inlines that matters here (e.g. <c>sync.(*RWMutex).RUnlock</c>), when found.</param>
/// <param name="Captured">The first words the closure captured (its receiver and arguments, evaluated at the defer).</param>
internal sealed record GoPendingDefer(string Function, string? Calls, IReadOnlyList<ulong> Captured);

/// <summary>
/// Open-coded defers (FUNCDATA 4): a byte of defer bits in the frame says which defers have run their
/// <c>defer</c> statement, and a stack slot per defer holds the closure. Go 1.18-1.21 record
/// {bitsOffset, count, closureOffset...}; 1.22 and later {bitsOffset, slotsOffset}, slot i at slots + 8i.
/// </summary>
internal static class GoDefers
{
    private const int CapturedWords = 3;
    private const int MaxScannedCode = 4096;

    public static List<GoPendingDefer> Pending(GoBinary binary, ITargetMemory memory, GoStack stack, GoStackFrame frame)
    {
        List<GoPendingDefer> pending = new List<GoPendingDefer>();
        if (binary.Pcln.Funcdata(frame.Func, PcLineTable.FuncdataOpenCodedDeferInfo) is not ulong info)
        {
            return pending;
        }

        ReadOnlySpan<byte> data = binary.Elf.At(info, 64);
        int at = 0;
        if (!Uvarint(data, ref at, out ulong bitsOffset))
        {
            return pending;
        }

        ulong varp = frame.Varp;
        if (stack.Byte(varp - bitsOffset) is not byte bits || bits == 0)
        {
            return pending;
        }

        List<ulong> closures = new List<ulong>();
        if (binary.MinorVersion >= 22)
        {
            if (!Uvarint(data, ref at, out ulong slotsOffset))
            {
                return pending;
            }

            for (int i = 0; i < 8; i++)
            {
                if ((bits & (1 << i)) != 0 && stack.Word(varp - slotsOffset + ((ulong)i * 8)) is ulong closure)
                {
                    closures.Add(closure);
                }
            }
        }
        else
        {
            if (!Uvarint(data, ref at, out ulong count) || count > 8)
            {
                return pending;
            }

            // The offsets are listed last defer first, as the runtime walks them.
            for (int i = (int)count - 1; i >= 0; i--)
            {
                if (!Uvarint(data, ref at, out ulong closureOffset))
                {
                    return pending;
                }

                if ((bits & (1 << i)) != 0 && stack.Word(varp - closureOffset) is ulong closure)
                {
                    closures.Add(closure);
                }
            }
        }

        Span<byte> words = stackalloc byte[8 * (CapturedWords + 1)];
        foreach (ulong closure in closures)
        {
            // funcval {fn; captured...}: a closure that does not escape lives in this very frame.
            if (closure == 0 || !memory.TryRead(closure, words))
            {
                continue;
            }

            ulong fn = BinaryPrimitives.ReadUInt64LittleEndian(words);
            if (binary.Pcln.FindFunc(fn) is not GoFunc func || func.Entry != fn)
            {
                continue;
            }

            List<ulong> captured = new List<ulong>();
            for (int i = 1; i <= CapturedWords; i++)
            {
                captured.Add(BinaryPrimitives.ReadUInt64LittleEndian(words[(i * 8)..]));
            }

            // `defer mu.Unlock()` on a package-level mutex captures nothing: the closure loads the address itself.
            captured.AddRange(StaticAddresses(binary, func));
            pending.Add(new GoPendingDefer(binary.Pcln.FuncName(func), Unlocks(binary, func), captured));
        }

        return pending;
    }

    /// <summary>The sync unlock method the closure inlines or calls directly, if any.</summary>
    private static string? Unlocks(GoBinary binary, GoFunc func)
    {
        foreach (string name in Callees(binary, func))
        {
            if (name.StartsWith("sync.(*", StringComparison.Ordinal) && name.EndsWith("Unlock", StringComparison.Ordinal))
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>Functions inlined into <paramref name="func"/> (its inline tree) and targets of its direct calls (E8 rel32 to an entry).</summary>
    private static IEnumerable<string> Callees(GoBinary binary, GoFunc func)
    {
        PcLineTable pcln = binary.Pcln;
        ulong end = pcln.FuncEnd(func.Entry) ?? func.Entry;
        int size = (int)Math.Min(end - func.Entry, MaxScannedCode);
        ulong? tree = pcln.Funcdata(func, PcLineTable.FuncdataInlTree);
        HashSet<int> seen = new HashSet<int>();
        for (ulong pc = func.Entry; tree is not null && pc < func.Entry + (ulong)size; pc++)
        {
            int index = pcln.Pcdata(func, PcLineTable.PcdataInlTreeIndex, pc);
            if (index >= 0 && seen.Add(index))
            {
                ReadOnlySpan<byte> record = binary.Elf.At(tree.Value + ((ulong)index * (ulong)pcln.InlinedCallSize), pcln.InlinedCallSize);
                if (record.Length == pcln.InlinedCallSize)
                {
                    yield return pcln.NameAt(BinaryPrimitives.ReadInt32LittleEndian(record[(pcln.Is120 ? 4 : 12)..]));
                }
            }
        }

        byte[] code = binary.Elf.At(func.Entry, size).ToArray();
        for (int i = 0; i + 5 <= code.Length; i++)
        {
            if (code[i] != 0xE8)
            {
                continue;
            }

            ulong target = func.Entry + (ulong)(i + 5) + (ulong)(long)BinaryPrimitives.ReadInt32LittleEndian(code.AsSpan(i + 1));
            if (pcln.FindFunc(target) is GoFunc callee && callee.Entry == target)
            {
                yield return pcln.FuncName(callee);
            }
        }
    }

    /// <summary>Targets of the closure's RIP-relative LEAs (REX.W 8D, ModRM mod=00 rm=101): the globals it takes the address of.</summary>
    private static IEnumerable<ulong> StaticAddresses(GoBinary binary, GoFunc func)
    {
        ulong end = binary.Pcln.FuncEnd(func.Entry) ?? func.Entry;
        byte[] code = binary.Elf.At(func.Entry, (int)Math.Min(end - func.Entry, MaxScannedCode)).ToArray();
        for (int i = 0; i + 7 <= code.Length; i++)
        {
            if ((code[i] & 0xF8) == 0x48 && code[i + 1] == 0x8D && (code[i + 2] & 0xC7) == 0x05)
            {
                yield return func.Entry + (ulong)(i + 7) + (ulong)(long)BinaryPrimitives.ReadInt32LittleEndian(code.AsSpan(i + 3));
            }
        }
    }

    private static bool Uvarint(ReadOnlySpan<byte> data, ref int at, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64 && at < data.Length; shift += 7)
        {
            byte b = data[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }
}
