using System.Collections.Immutable;

namespace ProcAudit.Capture;

/// <summary>
/// Pipes (or sockets) a thread of the tree is blocked on (read, write, any fd call, a poll set), and those a
/// tree process watches through epoll (a runtime parked in its poller waits on those).
/// </summary>
internal static class AwaitedInodes
{
    public static HashSet<ulong> Of(IEnumerable<int> tree, IReadOnlyDictionary<int, List<FdInfo>> fds, IReadOnlyDictionary<int, ImmutableArray<ThreadInfo>> threads, FdKind kind) =>
        Of(tree, fds, threads, f => f.Kind == kind);

    public static HashSet<ulong> Of(IEnumerable<int> tree, IReadOnlyDictionary<int, List<FdInfo>> fds, IReadOnlyDictionary<int, ImmutableArray<ThreadInfo>> threads, Func<FdInfo, bool> kind)
    {
        HashSet<ulong> awaited = new();
        List<int> waitedOn = new();
        foreach (int pid in tree)
        {
            // A poll or select set counts as much as a blocked read: a thread in communicate() waits on every fd of it.
            waitedOn.Clear();
            foreach (ThreadInfo t in threads[pid])
            {
                if (t.Syscall is SyscallInfo call)
                {
                    if (call.Fd is int fd)
                    {
                        waitedOn.Add(fd);
                    }
                    waitedOn.AddRange(call.WaitsOnFds);
                }
            }
            List<FdInfo> held = fds[pid];
            foreach (FdInfo f in held)
            {
                if (f.Kind == FdKind.Eventpoll)
                {
                    waitedOn.AddRange(f.Watches);
                }
            }
            if (waitedOn.Count == 0)
            {
                continue;
            }
            // Most processes wait on one fd: a walk of their fds costs less than a table of them, built
            // for each of a scan's 2,000 processes four times over (7 MB of garbage at 16x).
            Dictionary<int, FdInfo>? byFd = waitedOn.Count > 8 ? held.ToDictionary(f => f.Fd) : null;
            foreach (int fd in waitedOn)
            {
                FdInfo? f = byFd is not null ? byFd.GetValueOrDefault(fd) : held.FindLast(x => x.Fd == fd);
                if (f is not null && kind(f) && f.Inode is ulong ino)
                {
                    awaited.Add(ino);
                }
            }
        }
        return awaited;
    }
}
