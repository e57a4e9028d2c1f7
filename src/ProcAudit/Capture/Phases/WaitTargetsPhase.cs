using System.Collections.Immutable;
using ProcAudit.Capture.Procfs;
using ProcAudit.Capture.Sockets;

namespace ProcAudit.Capture.Phases;

/// <summary>
/// The second phase: what the tree waits on. Before the holder scan, since that scan is only
/// worth its cost for what someone waits on. A thread blocked in connect() is pointed at the
/// listener it tries to reach.
/// </summary>
internal static class WaitTargetsPhase
{
    /// <param name="context">The capture, its tree read.</param>
    /// <param name="early">The socket tables when a scan began reading them beside the tree (<see cref="ReadEarly"/>).</param>
    public static WaitTargets Run(CaptureContext context, Task<SocketTable>? early = null)
    {
        List<int> tree = context.Tree;
        HashSet<ulong> pipes = AwaitedInodes.Of(tree, context.Fds, context.Threads, FdKind.Pipe);
        if (!tree.Any(pid => context.Fds[pid].Any(f => f.Kind == FdKind.Socket)))
        {
            return new WaitTargets(pipes, null, new HashSet<ulong>());
        }
        SocketTable sockets = early is not null ? early.GetAwaiter().GetResult() : Read(context);
        context.Notes.AddRange(sockets.Notes);
        HashSet<ulong> scan = WithPeers(sockets, AwaitedInodes.Of(tree, context.Fds, context.Threads, FdKind.Socket));
        foreach (int pid in tree)
        {
            context.Threads[pid] = context.Threads[pid].Select(t => t.Syscall is { Name: "connect" } c && ConnectTarget.Listener(context, pid, c, sockets) is ulong listener
                ? t with { Syscall = c with { Target = $"socket:[{listener}]" } }
                : t).ToImmutableArray();
            foreach (ThreadInfo t in context.Threads[pid].Where(t => t.Syscall?.Target is not null))
            {
                scan.Add(FdLink.Classify(t.Syscall!.Target!).Inode!.Value);
            }
        }
        return new WaitTargets(pipes, sockets, scan);
    }

    /// <summary>
    /// The socket tables of the tree's network namespace: /proc/ROOT/net/* (read through the root,
    /// so a tree in its own namespace is read in it) joined with the unix sock_diag dump for peers
    /// and queues, which /proc/net/unix lacks. The dump is only taken live.
    /// </summary>
    private static SocketTable Read(CaptureContext context)
    {
        UnixDiagDump? unix = context.Live ? UnixSocketDiag.Dump() : null;
        // TCP's dump replaces /proc/net/tcp{,6} when whole (those cost a walk of the hash tables) and adds a listener's backlog limit.
        InetDiagDump? tcp = context.Live ? InetSocketDiag.DumpTcp() : null;
        return SocketTable.Read(context.Procfs, context.Root, unix, tcp);
    }

    /// <summary>
    /// A live scan's socket tables, read beside its tree (a machine always holds sockets, so a scan always
    /// reads them): some 40 ms of netlink dumps and /proc/net files on a 16x machine that otherwise held up
    /// every phase after the tree. Null for an audit, which reads them only when its tree holds a socket.
    /// </summary>
    /// <remarks>
    /// Read before the tree is, a socket opened meanwhile is missing from them: only by a thread that ran, so
    /// not by a process a scan can call hung.
    /// </remarks>
    public static Task<SocketTable>? ReadEarly(CaptureContext context) =>
        context.Options.Lean && context.Live ? Task.Run(() => Read(context)) : null;

    /// <summary>The sockets the tree waits on and, for each, the far end when it is on this machine.</summary>
    private static HashSet<ulong> WithPeers(SocketTable table, HashSet<ulong> awaited)
    {
        HashSet<ulong> scan = new(awaited);
        foreach (ulong inode in awaited)
        {
            if (table.Find(inode) is SocketEntry entry && table.FindPeer(entry) is { Inode: > 0 } peer)
            {
                scan.Add(peer.Inode);
            }
        }
        return scan;
    }
}
