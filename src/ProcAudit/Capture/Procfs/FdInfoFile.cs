using System.Collections.Immutable;
using System.Globalization;

namespace ProcAudit.Capture.Procfs;

/// <summary>One "tfd:" line of an epoll descriptor's fdinfo.</summary>
internal sealed record EpollWatch(int Fd, uint Events, ulong? Inode)
{
    /// <summary>The registration's user data (epoll_event.data): Go's netpoller stores its pollDesc there.</summary>
    public ulong? Data { get; init; }
}

/// <summary>The "eventfd-" lines of an eventfd's fdinfo.</summary>
/// <param name="Id">eventfd-id: the counter's number, the same in every process that holds it (Linux 6.0 and later).</param>
/// <param name="Count">eventfd-count: the counter's value; a read blocks while it is 0.</param>
/// <param name="Semaphore">eventfd-semaphore: reads take 1 instead of the whole count.</param>
internal sealed record EventfdCounter(ulong Id, ulong Count, bool Semaphore);

/// <summary>The fields of /proc/PID/fdinfo/N the audit uses. See proc_pid_fdinfo(5).</summary>
internal sealed record FdInfoRecord(uint Flags, ulong? Inode, ImmutableArray<EpollWatch> Watches)
{
    /// <summary>For an eventfd on a kernel that numbers them: its counter.</summary>
    public EventfdCounter? Eventfd { get; init; }

    /// <summary>The "lock:" lines: locks on the open file, shown in every process that shares it.</summary>
    public ImmutableArray<LockLine> Locks { get; init; } = ImmutableArray<LockLine>.Empty;

    /// <summary>The access mode from O_ACCMODE of the open flags.</summary>
    public string Access => (Flags & 3) switch
    {
        0 => "read",
        1 => "write",
        _ => "readwrite",
    };
}

/// <summary>Parser for /proc/PID/fdinfo/N.</summary>
internal static class FdInfoFile
{
    public static FdInfoRecord? Parse(string text)
    {
        uint? flags = null;
        ulong? inode = null;
        ImmutableArray<EpollWatch>.Builder watches = ImmutableArray.CreateBuilder<EpollWatch>();
        ImmutableArray<LockLine>.Builder locks = ImmutableArray.CreateBuilder<LockLine>();
        ulong? eventfdId = null;
        ulong? eventfdCount = null;
        bool semaphore = false;
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith("flags:", StringComparison.Ordinal))
            {
                // Octal, e.g. "flags:\t02000001".
                flags = ParseOctal(line.AsSpan(6).Trim());
            }
            else if (line.StartsWith("ino:", StringComparison.Ordinal))
            {
                if (ulong.TryParse(line.AsSpan(4).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong ino))
                {
                    inode = ino;
                }
            }
            else if (line.StartsWith("lock:", StringComparison.Ordinal))
            {
                // "lock:\t1: FLOCK  ADVISORY  WRITE 23546 fe:00:11658055 0 EOF": every process sharing the open file shows it.
                if (LocksFile.ParseLine(line[5..].TrimStart('\t', ' ')) is LockLine held)
                {
                    locks.Add(held);
                }
            }
            else if (line.StartsWith("eventfd-", StringComparison.Ordinal))
            {
                ulong value = 0;
                // "eventfd-count:               1a" (hex, %16llx), "eventfd-id: 1", "eventfd-semaphore: 0" (decimal).
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                NumberStyles style = line.StartsWith("eventfd-count:", StringComparison.Ordinal) ? NumberStyles.AllowHexSpecifier : NumberStyles.None;
                bool number = colon > 0 && ulong.TryParse(line.AsSpan(colon + 1).Trim(), style, CultureInfo.InvariantCulture, out value);
                switch (number ? line[..colon] : null)
                {
                    case "eventfd-count":
                        eventfdCount = value;
                        break;
                    case "eventfd-id":
                        eventfdId = value;
                        break;
                    case "eventfd-semaphore":
                        semaphore = value != 0;
                        break;
                }
            }
            else if (line.StartsWith("tfd:", StringComparison.Ordinal))
            {
                EpollWatch? watch = ParseWatch(line);
                if (watch is not null)
                {
                    watches.Add(watch);
                }
            }
        }
        return flags is null ? null : new FdInfoRecord(flags.Value, inode, watches.ToImmutable())
        {
            Locks = locks.ToImmutable(),
            Eventfd = eventfdId is ulong id && eventfdCount is ulong count ? new EventfdCounter(id, count, semaphore) : null,
        };
    }

    // "tfd:        5 events:       19 data:                5  pos:0 ino:1a3 sdev:d"
    private static EpollWatch? ParseWatch(string line)
    {
        string[] t = line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
        int? fd = null;
        uint events = 0;
        ulong? ino = null;
        ulong? data = null;
        for (int i = 0; i < t.Length; i++)
        {
            string key = t[i];
            string? next = i + 1 < t.Length ? t[i + 1] : null;
            if (key == "tfd:" && next is not null && int.TryParse(next, NumberStyles.None, CultureInfo.InvariantCulture, out int f))
            {
                fd = f;
            }
            else if (key == "events:" && next is not null)
            {
                uint.TryParse(next, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out events);
            }
            else if (key == "data:" && next is not null
                && ulong.TryParse(next, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong d))
            {
                data = d;
            }
            else if (key.StartsWith("ino:", StringComparison.Ordinal)
                && ulong.TryParse(key.AsSpan(4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong n))
            {
                ino = n;
            }
        }
        return fd is null ? null : new EpollWatch(fd.Value, events, ino) { Data = data };
    }

    private static uint? ParseOctal(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty)
        {
            return null;
        }
        uint value = 0;
        foreach (char c in s)
        {
            if (c < '0' || c > '7')
            {
                return null;
            }
            value = value * 8 + (uint)(c - '0');
        }
        return value;
    }
}
