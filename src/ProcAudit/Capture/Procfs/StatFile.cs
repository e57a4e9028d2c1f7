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
        // Fields after comm, numbered from 3 (state) as in the man page.
        string[] f = text.Substring(close + 1).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 20)
        {
            return null;
        }
        // f[0] = field 3 (state), so field N is f[N - 3].
        if (!TryInt(f[4 - 3], out int ppid) || !TryInt(f[5 - 3], out int pgrp) || !TryInt(f[6 - 3], out int session)
            || !uint.TryParse(f[9 - 3], NumberStyles.None, CultureInfo.InvariantCulture, out uint flags)
            || !TryLong(f[14 - 3], out long utime) || !TryLong(f[15 - 3], out long stime)
            || !TryInt(f[20 - 3], out int threads)
            || !ulong.TryParse(f[22 - 3], NumberStyles.None, CultureInfo.InvariantCulture, out ulong start))
        {
            return null;
        }
        return new StatRecord(pid, comm, f[0], ppid, pgrp, session, flags, utime, stime, threads, start)
        {
            StartStack = OptionalULong(f, 28),
            ArgStart = OptionalULong(f, 48),
            ArgEnd = OptionalULong(f, 49),
        };
    }

    /// <summary>Field N (numbered as in the man page), or 0 when an older kernel does not print it.</summary>
    private static ulong OptionalULong(string[] f, int field) =>
        f.Length > field - 3 && ulong.TryParse(f[field - 3], NumberStyles.None, CultureInfo.InvariantCulture, out ulong value) ? value : 0;

    private static bool TryInt(string s, out int value) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    private static bool TryLong(string s, out long value) => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
}
