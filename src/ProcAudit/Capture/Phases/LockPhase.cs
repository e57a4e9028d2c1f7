using System.Collections.Immutable;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Capture.Phases;

/// <summary>
/// The /proc/locks groups (a held lock and the requests queued behind it) in which a captured
/// process holds or waits. A holder shown as pid -1 (an OFD lock) is found through the fdinfo
/// "lock:" lines of captured descriptors; a waiter's descriptor through its blocked syscall.
/// </summary>
internal static class LockPhase
{
    private const ulong F_OFD_SETLKW = 0x26;

    public static ImmutableArray<FileLockInfo> Run(CaptureContext context)
    {
        ProcText text = context.Locks ?? context.Procfs.ReadText("locks");
        if (!text.Ok)
        {
            return ImmutableArray<FileLockInfo>.Empty;
        }
        ImmutableArray<LockLine> lines = LocksFile.Parse(text.Text!, out ImmutableArray<string> skipped);
        context.Notes.AddRange(skipped.Select(m => new Note("unreadable", m, Path: "locks")));
        Dictionary<int, List<FdInfo>> fds = context.Fds;
        Dictionary<int, ImmutableArray<ThreadInfo>> threads = context.Threads;

        (int Pid, int Fd)? HolderOf(LockLine l) =>
            context.FdLocks.Where(kv => kv.Value.Any(x => x.Class == l.Class && x.Inode == l.Inode && x.Start == l.Start && x.End == l.End && x.Depth == 0
                    && (x.Pid == l.Pid || l.Pid is null)))
                .Select(kv => ((int, int)?)kv.Key).FirstOrDefault();

        int? WaiterFd(int pid) => threads.TryGetValue(pid, out ImmutableArray<ThreadInfo> ts)
            ? ts.FirstOrDefault(t => t.Syscall?.Name is "flock" or "fcntl")?.Syscall?.Fd
            : null;

        // OFD waiters show pid -1 too: find the thread blocked in fcntl(F_OFD_SETLKW) on that file
        // whose requested range, read from its struct flock, is the queued one.
        (int Pid, int Fd)? OfdWaiter(LockLine l) =>
            threads.SelectMany(kv => kv.Value.Select(t => (Pid: kv.Key, Thread: t)))
                .Where(x => x.Thread.Syscall is { Name: "fcntl", Fd: int } c && c.Args.Length > 2 && c.Args[1] == F_OFD_SETLKW
                    && fds[x.Pid].FirstOrDefault(f => f.Fd == c.Fd)?.Inode == l.Inode
                    && RequestedRange(context, x.Pid, c.Args[2]) is { } range && range.Start == l.Start && range.End == l.End)
                .Select(x => ((int, int)?)(x.Pid, x.Thread.Syscall!.Fd!.Value))
                .FirstOrDefault();

        ImmutableArray<FileLockInfo>.Builder result = ImmutableArray.CreateBuilder<FileLockInfo>();
        foreach (IGrouping<int, LockLine> group in lines.GroupBy(l => l.Id))
        {
            List<(LockLine Line, int? Pid, int? Fd)> resolved = group.Select(l =>
            {
                if (l.Depth == 0)
                {
                    (int Pid, int Fd)? holder = HolderOf(l);
                    return (l, l.Pid ?? holder?.Pid, holder?.Fd);
                }
                if (l.Pid is null && l.Class == "OFDLCK" && OfdWaiter(l) is (int wp, int wf))
                {
                    return (l, wp, wf);
                }
                return (l, l.Pid, l.Pid is int p ? WaiterFd(p) : null);
            }).ToList();
            if (!resolved.Any(r => r.Pid is int p && fds.ContainsKey(p)))
            {
                continue;
            }
            foreach ((LockLine line, int? pid, int? fd) in resolved)
            {
                string? path = pid is int p && fd is int f && fds.TryGetValue(p, out List<FdInfo>? list)
                    ? list.FirstOrDefault(x => x.Fd == f && x.Target.StartsWith('/'))?.Target
                    : null;
                result.Add(new FileLockInfo
                {
                    Id = LockId(line),
                    Ordinal = line.Id,
                    Depth = line.Depth,
                    Class = line.Class,
                    Access = line.Access,
                    Pid = pid,
                    Fd = fd,
                    Path = path,
                    Start = line.Start,
                    End = line.End,
                });
            }
        }
        return result.ToImmutable();
    }

    /// <summary>The byte range of the struct flock a blocked fcntl passed (x86-64 and arm64 share its layout); live only.</summary>
    private static (ulong Start, ulong? End)? RequestedRange(CaptureContext context, int pid, ulong address)
    {
        if (!context.Live || ProcessMemory.TryRead(pid, address, 32) is not byte[] flock)
        {
            return null;
        }
        // struct flock { short l_type; short l_whence; off_t l_start; off_t l_len; pid_t l_pid; }
        short whence = System.Buffers.Binary.BinaryPrimitives.ReadInt16LittleEndian(flock.AsSpan(2));
        long start = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(flock.AsSpan(8));
        long length = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(flock.AsSpan(16));
        if (whence != 0 || start < 0 || length < 0)
        {
            return null; // relative to the file position or end: the absolute range is not known here
        }
        return ((ulong)start, length == 0 ? null : (ulong)(start + length - 1));
    }

    private static string LockId(LockLine l)
    {
        string file = $"{l.Device}:{l.Inode.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        string range = $"{l.Start.ToString(System.Globalization.CultureInfo.InvariantCulture)}-{l.End?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "EOF"}";
        return l.Class switch
        {
            "FLOCK" => "flock:" + file,
            "OFDLCK" => $"ofd:{file}:{range}",
            _ => $"{l.Class.ToLowerInvariant()}:{file}:{range}",
        };
    }
}
