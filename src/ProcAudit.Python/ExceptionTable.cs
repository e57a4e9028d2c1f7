namespace ProcAudit.Python;

/// <summary>
/// CPython 3.11's co_exceptiontable (Objects/exception_handling_notes.txt): entries of four varints (start, size,
/// target in code units; depth and lasti as depth*2+lasti), each varint big-endian in 6-bit groups with 0x40 for
/// "more", the first byte of an entry marked by 0x80. The entry that covers an instruction gives the value stack's
/// depth its handler keeps: the slots below it are live at that instruction, whatever the stack pointer is.
/// </summary>
internal static class ExceptionTable
{
    private const int CodeUnit = 2;

    /// <summary>The handler depth at byte offset <paramref name="offset"/>: 0 when no entry covers it; null when the table is malformed.</summary>
    public static int? Depth(ReadOnlySpan<byte> table, long offset)
    {
        int at = 0;
        while (at < table.Length)
        {
            if ((table[at] & 0x80) == 0)
            {
                return null;
            }

            long? start = Varint(table, ref at);
            long? size = Varint(table, ref at);
            long? target = Varint(table, ref at);
            long? depthLasti = Varint(table, ref at);
            if (start is null || size is null || target is null || depthLasti is null)
            {
                return null;
            }

            if (offset >= start * CodeUnit && offset < (start + size) * CodeUnit)
            {
                return (int)Math.Min(depthLasti.Value >> 1, int.MaxValue);
            }
        }

        return 0;
    }

    private static long? Varint(ReadOnlySpan<byte> table, ref int at)
    {
        if (at >= table.Length)
        {
            return null;
        }

        byte b = table[at++];
        long value = b & 63;
        while ((b & 64) != 0)
        {
            if (at >= table.Length || value > (long.MaxValue >> 6))
            {
                return null;
            }

            b = table[at++];
            value = (value << 6) | (uint)(b & 63);
        }

        return value;
    }
}
