namespace ProcAudit.Python;

/// <summary>
/// The line of a bytecode offset, decoded from a code object's line table the way each release's
/// PyCode_Addr2Line does (Objects/codeobject.c). Every loop is bounded by the table's length.
/// </summary>
internal static class LineNumbers
{
    /// <summary>The line of byte offset <paramref name="address"/>; null when the table says the instruction has none.</summary>
    public static int? Find(LineTableFormat format, ReadOnlySpan<byte> table, int firstLine, long address)
    {
        if (address < 0)
        {
            // A frame that has not run its first instruction reports its definition line.
            return firstLine;
        }

        return format switch
        {
            LineTableFormat.Lnotab => FromLnotab(table, firstLine, address),
            LineTableFormat.Ranges => FromRanges(table, firstLine, address),
            _ => FromLocations(table, firstLine, address),
        };
    }

    // 3.8, 3.9: (address delta, signed line delta) pairs; the line is the one in force once the address passes.
    private static int FromLnotab(ReadOnlySpan<byte> table, int line, long address)
    {
        long at = 0;
        for (int i = 0; i + 1 < table.Length; i += 2)
        {
            at += table[i];
            if (at > address)
            {
                break;
            }

            line += (sbyte)table[i + 1];
        }

        return line;
    }

    // 3.10: (byte length, signed line delta) ranges; a delta of -128 means the range has no line.
    private static int? FromRanges(ReadOnlySpan<byte> table, int line, long address)
    {
        long end = 0;
        for (int i = 0; i + 1 < table.Length; i += 2)
        {
            long start = end;
            end += table[i];
            sbyte delta = (sbyte)table[i + 1];
            if (delta != -128)
            {
                line += delta;
            }

            if (address >= start && address < end)
            {
                return delta == -128 ? null : line;
            }
        }

        return null;
    }

    // 3.11 on: entries of a header byte (bit 7 set; code in bits 3-6; length-1 code units in bits 0-2) and payload.
    private static int? FromLocations(ReadOnlySpan<byte> table, int line, long address)
    {
        const int CodeUnit = 2;
        long end = 0;
        int i = 0;
        while (i < table.Length)
        {
            byte header = table[i];
            int code = (header >> 3) & 15;
            long start = end;
            end += ((header & 7) + 1) * CodeUnit;
            line += code switch
            {
                13 or 14 => SignedVarint(table, i + 1),
                11 => 1,
                12 => 2,
                _ => 0,
            };

            if (address >= start && address < end)
            {
                return code == 15 ? null : line;
            }

            // The payload runs to the next header byte.
            do
            {
                i++;
            }
            while (i < table.Length && (table[i] & 0x80) == 0);
        }

        return null;
    }

    private static int SignedVarint(ReadOnlySpan<byte> table, int at)
    {
        uint value = 0;
        int shift = 0;
        while (at < table.Length && shift < 32)
        {
            byte b = table[at++];
            value |= (uint)(b & 63) << shift;
            shift += 6;
            if ((b & 64) == 0)
            {
                break;
            }
        }

        return (value & 1) != 0 ? -(int)(value >> 1) : (int)(value >> 1);
    }
}
