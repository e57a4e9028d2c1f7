using System.Buffers.Binary;

namespace ProcAudit.Go;

/// <summary>
/// Which stack words hold live pointers, from the stack maps the compiler emits for the garbage collector
/// (FUNCDATA 0/1 indexed by PCDATA 1). They are exact, so a pointer found here is one the function still uses:
/// a dead copy left in a frame is not mistaken for a reference.
/// </summary>
internal static class GoLiveness
{
    private const int MaxBits = 1 << 16;

    /// <summary>The values of the live pointer words of <paramref name="frame"/>, locals and arguments.</summary>
    public static IEnumerable<ulong> LivePointers(GoBinary binary, GoStack stack, GoStackFrame frame)
    {
        PcLineTable pcln = binary.Pcln;
        int index = frame.Pc > frame.Func.Entry ? pcln.Pcdata(frame.Func, PcLineTable.PcdataStackMapIndex, frame.Pc - 1) : -1;
        if (index < 0)
        {
            index = 0;
        }

        List<ulong> values = new List<ulong>();
        ulong varp = frame.Varp;
        if (varp > frame.Sp && pcln.Funcdata(frame.Func, PcLineTable.FuncdataLocalsPointerMaps) is ulong locals)
        {
            Collect(binary, stack, locals, index, bits => varp - ((ulong)bits * 8), values);
        }

        if (frame.Func.Args > 0 && pcln.Funcdata(frame.Func, PcLineTable.FuncdataArgsPointerMaps) is ulong args)
        {
            Collect(binary, stack, args, index, _ => frame.Fp, values);
        }

        return values;
    }

    /// <summary>Reads row <paramref name="index"/> of a runtime.stackmap {n, nbit int32; bytedata} and the words it marks.</summary>
    private static void Collect(GoBinary binary, GoStack stack, ulong map, int index, Func<int, ulong> start, List<ulong> values)
    {
        ReadOnlySpan<byte> header = binary.Elf.At(map, 8);
        if (header.Length < 8)
        {
            return;
        }

        int rows = BinaryPrimitives.ReadInt32LittleEndian(header);
        int bits = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        if (bits <= 0 || bits > MaxBits || index >= rows)
        {
            return;
        }

        int rowBytes = (bits + 7) / 8;
        ReadOnlySpan<byte> row = binary.Elf.At(map + 8 + ((ulong)index * (ulong)rowBytes), rowBytes);
        if (row.Length < rowBytes)
        {
            return;
        }

        ulong first = start(bits);
        for (int bit = 0; bit < bits; bit++)
        {
            if ((row[bit / 8] & (1 << (bit % 8))) != 0 && stack.Word(first + ((ulong)bit * 8)) is ulong value && value != 0)
            {
                values.Add(value);
            }
        }
    }
}
