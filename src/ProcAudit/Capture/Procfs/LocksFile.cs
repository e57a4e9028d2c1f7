using System.Collections.Immutable;
using System.Globalization;

namespace ProcAudit.Capture.Procfs;

/// <summary>One line of /proc/locks: a lock held, or a request waiting for one.</summary>
/// <param name="Id">The lock's ordinal; a waiter carries the id of the lock it waits for.</param>
/// <param name="Depth">0 for a held lock; 1 for a request waiting on it; 2 for one waiting on that waiter, and so on.</param>
/// <param name="Class"><c>FLOCK</c>, <c>POSIX</c>, <c>OFDLCK</c>, <c>LEASE</c>, ...</param>
/// <param name="Access"><c>READ</c> or <c>WRITE</c> (or a lease's <c>BREAKING</c>/...).</param>
/// <param name="Pid">The owning process; null for OFD locks, which belong to an open file, not a process (-1).</param>
/// <param name="Device">The file's device as major:minor (hex, as printed).</param>
/// <param name="Inode">The file's inode.</param>
/// <param name="Start">First byte covered.</param>
/// <param name="End">Last byte covered; null for EOF (to the end of the file, whatever it becomes).</param>
internal sealed record LockLine(int Id, int Depth, string Class, string Access, int? Pid, string Device, ulong Inode, ulong Start, ulong? End);

/// <summary>
/// Parser for /proc/locks (proc(5), "/proc/locks"): "N: CLASS MODE ACCESS PID MAJ:MIN:INODE START END".
/// A waiter is printed under the lock it waits for as "N: -> ..."; each extra space before the
/// arrow is one more level of waiting behind a waiter. A line of unknown shape is skipped with a
/// note; the others are kept.
/// </summary>
internal static class LocksFile
{
    public static ImmutableArray<LockLine> Parse(string text, out ImmutableArray<string> notes)
    {
        ImmutableArray<LockLine>.Builder locks = ImmutableArray.CreateBuilder<LockLine>();
        ImmutableArray<string>.Builder skipped = ImmutableArray.CreateBuilder<string>();
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }
            LockLine? parsed = ParseLine(line);
            if (parsed is null)
            {
                skipped.Add($"/proc/locks: skipped a line of unknown shape: {(line.Length > 80 ? line[..80] + "..." : line)}");
            }
            else
            {
                locks.Add(parsed);
            }
        }
        notes = skipped.ToImmutable();
        return locks.ToImmutable();
    }

    internal static LockLine? ParseLine(string line)
    {
        int colon = line.IndexOf(':');
        if (colon <= 0 || !int.TryParse(line.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out int id))
        {
            return null;
        }
        string rest = line[(colon + 1)..];
        int depth = 0;
        int arrow = rest.IndexOf("->", StringComparison.Ordinal);
        if (arrow >= 0 && rest[..arrow].All(c => c == ' '))
        {
            // "N: -> " is one level; every further space before the arrow is one more.
            depth = arrow;
            rest = rest[(arrow + 2)..];
        }
        string[] f = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 7)
        {
            return null;
        }
        // f: CLASS MODE ACCESS PID MAJ:MIN:INODE START END
        string[] dev = f[4].Split(':');
        if (dev.Length != 3
            || !int.TryParse(f[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int pid)
            || !ulong.TryParse(dev[2], NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode)
            || !ulong.TryParse(f[5], NumberStyles.None, CultureInfo.InvariantCulture, out ulong start))
        {
            return null;
        }
        ulong? end = null;
        if (f[6] != "EOF")
        {
            if (!ulong.TryParse(f[6], NumberStyles.None, CultureInfo.InvariantCulture, out ulong e))
            {
                return null;
            }
            end = e;
        }
        return new LockLine(id, depth, f[0], f[2], pid > 0 ? pid : null, dev[0] + ":" + dev[1], inode, start, end);
    }
}
