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
        foreach (int pid in tree)
        {
            Dictionary<int, FdInfo> byFd = fds[pid].ToDictionary(f => f.Fd);
            // A poll or select set counts as much as a blocked read: a thread in communicate() waits on every fd of it.
            IEnumerable<int> blockedOn = threads[pid].Where(t => t.Syscall?.Fd is not null).Select(t => t.Syscall!.Fd!.Value)
                .Concat(threads[pid].Where(t => t.Syscall is not null).SelectMany(t => t.Syscall!.WaitsOnFds));
            IEnumerable<int> watched = fds[pid].Where(f => f.Kind == FdKind.Eventpoll).SelectMany(f => f.Watches);
            foreach (int fd in blockedOn.Concat(watched))
            {
                if (byFd.TryGetValue(fd, out FdInfo? f) && kind(f) && f.Inode is ulong ino)
                {
                    awaited.Add(ino);
                }
            }
        }
        return awaited;
    }
}
