using System.Globalization;

namespace ProcAudit.Capture.Procfs;

/// <summary>The fields of /proc/PID/stat (and /proc/PID/task/TID/stat) the audit uses. See proc_pid_stat(5).</summary>
internal sealed record StatRecord(
    int Pid,
    string Comm,
    string State,
    int PPid,
    int Pgrp,
    int Session,
    uint Flags,
    long UTime,
    long STime,
    int NumThreads,
    ulong StartTime)
{
    /// <summary>PF_KTHREAD: a kernel thread has no user side to wait on anything we can name.</summary>
    public bool IsKernelThread => (Flags & 0x00200000) != 0;

    /// <summary>
    /// Field 28, the start of the stack. Every exec places it anew (at random, with ASLR), so it tells
    /// one program image from the next in the same process; 0 when the reader may not see it, for
    /// kernel threads and for zombies.
    /// </summary>
    public ulong StartStack { get; init; }

    /// <summary>Fields 48 and 49, where the command line lies in memory: new with every exec, like <see cref="StartStack"/>.</summary>
    public ulong ArgStart { get; init; }

    /// <inheritdoc cref="ArgStart"/>
    public ulong ArgEnd { get; init; }
}

/// <summary>Parser for /proc/PID/stat, proc_pid_stat(5).</summary>
internal static class StatFile
{
    /// <summary>
    /// Parses one stat line. comm is taken between the first '(' and the LAST ')', so names
    /// such as "a) b (c" survive. Returns null for text of a shape never seen.
    /// </summary>
    public static StatRecord? Parse(string text)
    {
        int open = text.IndexOf('(');
        int close = text.LastIndexOf(')');
        if (open < 1 || close < open)
        {
            return null;
        }
        if (!int.TryParse(text.AsSpan(0, open).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int pid))
        {
            return null;
        }
        string comm = text.Substring(open + 1, close - open - 1);
        // Fields after comm, numbered from 3 (state) as in the man page; cut without a string each
        // (a scan parses some 9,000 stat lines of 50 fields: their strings were a tenth of what it allocated).
        ReadOnlySpan<char> rest = text.AsSpan(close + 1);
        Span<Range> ranges = stackalloc Range[64];
        int count = rest.Split(ranges, ' ', StringSplitOptions.RemoveEmptyEntries);
        if (count < 20)
        {
            return null;
        }
        // Field N is found[N - 3]; past 64 the last range holds the rest, and no field used lies there.
        Span<Range> found = ranges[..count];
        if (!TryInt(rest[found[4 - 3]], out int ppid) || !TryInt(rest[found[5 - 3]], out int pgrp) || !TryInt(rest[found[6 - 3]], out int session)
            || !uint.TryParse(rest[found[9 - 3]], NumberStyles.None, CultureInfo.InvariantCulture, out uint flags)
            || !TryLong(rest[found[14 - 3]], out long utime) || !TryLong(rest[found[15 - 3]], out long stime)
            || !TryInt(rest[found[20 - 3]], out int threads)
            || !ulong.TryParse(rest[found[22 - 3]], NumberStyles.None, CultureInfo.InvariantCulture, out ulong start))
        {
            return null;
        }
        return new StatRecord(pid, comm, State(rest[found[3 - 3]]), ppid, pgrp, session, flags, utime, stime, threads, start)
        {
            StartStack = OptionalULong(rest, found, 28),
            ArgStart = OptionalULong(rest, found, 48),
            ArgEnd = OptionalULong(rest, found, 49),
        };
    }

    /// <summary>The state letter as one shared string: every thread of the machine has one.</summary>
    private static string State(ReadOnlySpan<char> field) => field switch
    {
        "S" => "S",
        "R" => "R",
        "D" => "D",
        "Z" => "Z",
        "T" => "T",
        "t" => "t",
        "I" => "I",
        "X" => "X",
        _ => field.ToString(),
    };

    private static ulong OptionalULong(ReadOnlySpan<char> rest, Span<Range> fields, int field) =>
        fields.Length > field - 3 && ulong.TryParse(rest[fields[field - 3]], NumberStyles.None, CultureInfo.InvariantCulture, out ulong value) ? value : 0;

    private static bool TryInt(ReadOnlySpan<char> s, out int value) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    private static bool TryLong(ReadOnlySpan<char> s, out long value) => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
}
