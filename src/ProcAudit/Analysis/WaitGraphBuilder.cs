using System.Collections.Immutable;
using ProcAudit.Kinds;
using ProcAudit.Runtimes;

namespace ProcAudit.Analysis;

/// <summary>
/// Turns a snapshot into wait-for edges. Observed edges come from threads blocked in a syscall on a
/// pipe or a child; inferred edges from runtimes that park every thread in epoll or futex (Go's
/// netpoller) and so never show a blocking read. A runtime view adds the edges its records give
/// (<see cref="RuntimeRegistry"/>). A waiter that moved between the samples, or a pipe whose level
/// changed, gives no edge: it is not stuck.
/// </summary>
internal sealed partial class WaitGraphBuilder
{
    private readonly Snapshot _snapshot;
    private readonly KindScope _scope;
    private readonly List<WaitEdge> _edges = new();

    private WaitGraphBuilder(KindScope scope)
    {
        _snapshot = scope.Snapshot;
        _scope = scope;
    }

    public static ImmutableArray<WaitEdge> Build(KindScope scope)
    {
        Snapshot snapshot = scope.Snapshot;
        WaitGraphBuilder builder = new(scope);
        foreach (ProcessInfo process in snapshot.Processes)
        {
            foreach (ThreadInfo thread in process.Threads)
            {
                builder.AddObserved(process, thread);
            }
        }
        foreach (ObjectKindModule kind in KindRegistry.Objects)
        {
            builder._edges.AddRange(kind.Edges(builder._scope));
        }
        foreach (ProcessInfo process in snapshot.Processes)
        {
            builder._edges.AddRange(RuntimeRegistry.Edges(scope, process));
        }
        foreach (ProcessInfo process in snapshot.Processes)
        {
            // A view that read what each waiter waits on says it: the guess from the epoll set is not needed.
            if (RuntimeRegistry.ReadingWaiters(process) is RuntimeViewModule view)
            {
                builder._edges.AddRange(view.WaiterEdges(scope, process));
            }
            else
            {
                builder.AddInferred(process);
            }
        }
        foreach (ProcessInfo process in snapshot.Processes)
        {
            foreach (ThreadInfo thread in process.Threads)
            {
                builder.AddPolled(process, thread);
            }
        }
        return builder._edges.Distinct().ToImmutableArray();
    }

    private void AddObserved(ProcessInfo process, ThreadInfo thread)
    {
        // A stopped thread still shows the call it was in when the signal came; it waits on nothing but SIGCONT.
        if (thread.Syscall is not { Name: string name } call || thread.Progress?.Moved == true || thread.State is "T" or "t")
        {
            return;
        }
        SyscallShape shape = call.Shape;
        WaitEnd from = new(process.Pid, thread.Tid);
        if (call.Fd is int n && process.FindFd(n) is FdInfo fd)
        {
            _edges.AddRange(KindRegistry.ForFd(fd.Kind).Observed(_scope, process, thread, call));
        }
        switch (shape)
        {
            case SyscallShape.Futex when thread.FutexOwner is FutexOwner owner:
                _edges.Add(new WaitEdge(from, new WaitEnd(process.Pid, owner.Tid), owner.Object,
                    owner.Kind == "join" ? WaitReasons.ThreadJoin : WaitReasons.FutexOwner, Certainty.Inferred,
                    $"thread {thread.Tid} is blocked in futex: {owner.How}"));
                break;
            case SyscallShape.Wait:
                foreach (int child in AwaitedChildren(process, name, call))
                {
                    _edges.Add(new WaitEdge(from, new WaitEnd(child), null, WaitReasons.WaitChildExit, Certainty.Observed,
                        $"thread {thread.Tid} is blocked in {name} for child {child}"));
                }
                break;
        }
    }

    /// <summary>
    /// A parked runtime (all threads in epoll, poll or futex) shows no blocking read or write; what
    /// its epoll set watches says which pipe ends it waits on. Such edges are inferred, and say so.
    /// </summary>
    private void AddInferred(ProcessInfo process)
    {
        if (!IsParked(process))
        {
            return;
        }
        foreach (FdInfo epoll in process.Fds.Where(f => f.Kind == FdKind.Eventpoll))
        {
            foreach (int watched in epoll.Watches)
            {
                if (process.FindFd(watched) is FdInfo sfd && _scope.Socket(sfd.Target) is SocketInfo socket)
                {
                    InferSocket(process, epoll, sfd, socket);
                    continue;
                }
                if (process.FindFd(watched) is not { Kind: FdKind.Pipe } fd || _scope.StuckPipe(fd.Target) is not PipeInfo pipe)
                {
                    continue;
                }
                if (fd.Access == "read" && pipe.QueuedBytes == 0)
                {
                    InferRead(process, epoll, fd, pipe);
                }
                else if (fd.Access == "write" && pipe.QueuedBytes is long q && pipe.CapacityBytes is long c && q >= c)
                {
                    InferWrite(process, epoll, fd, pipe);
                }
            }
        }
    }

    /// <summary>Parked, watching the read end of an empty pipe whose every writer is itself blocked.</summary>
    private void InferRead(ProcessInfo process, FdInfo epoll, FdInfo fd, PipeInfo pipe)
    {
        List<int> writers = KindScope.Holding(pipe.Holders, "writer", except: process.Pid).ToList();
        if (writers.Count == 0 || !writers.All(w => IsBlocked(w) || WillNotWrite(w)))
        {
            return;
        }
        foreach (int writer in writers)
        {
            _edges.Add(new WaitEdge(new WaitEnd(process.Pid), new WaitEnd(writer), fd.Target, WaitReasons.ReadEmptyPipe, Certainty.Inferred,
                $"every thread is parked in epoll/futex; epoll fd {epoll.Fd} watches fd {fd.Fd}, the read end of {fd.Target}, which is empty and whose writer {writer} {WriterState(writer)}", fd.Fd));
        }
    }

    /// <summary>
    /// Parked, watching a socket: a TCP connection whose peer advertises a zero window waits for the
    /// peer to read; one with nothing to read whose peer is itself blocked waits for that peer.
    /// </summary>
    private void InferSocket(ProcessInfo process, FdInfo epoll, FdInfo fd, SocketInfo socket)
    {
        List<int> peers = _scope.PeerHolders(socket, except: process.Pid).ToList();
        if (socket.Listener || peers.Count == 0)
        {
            return;
        }
        if (socket.ZeroWindow && socket.SendQueueBytes > 0)
        {
            foreach (int peer in peers)
            {
                _edges.Add(new WaitEdge(new WaitEnd(process.Pid), new WaitEnd(peer), socket.Id, WaitReasons.SendFullSocket, Certainty.Inferred,
                    $"every thread is parked in epoll/futex; epoll fd {epoll.Fd} watches fd {fd.Fd} ({socket.Id}), whose Send-Q holds {socket.SendQueueBytes} bytes against a zero window", fd.Fd));
            }
        }
        else if (socket.RecvQueueBytes == 0 && peers.All(IsBlocked))
        {
            foreach (int peer in peers)
            {
                _edges.Add(new WaitEdge(new WaitEnd(process.Pid), new WaitEnd(peer), socket.Id, WaitReasons.RecvEmptySocket, Certainty.Inferred,
                    $"every thread is parked in epoll/futex; epoll fd {epoll.Fd} watches fd {fd.Fd} ({socket.Id}), which has nothing to read, and its peer {peer} is itself blocked", fd.Fd));
            }
        }
    }

    /// <summary>Parked, watching the write end of a pipe that is full to capacity: it waits for the readers.</summary>
    private void InferWrite(ProcessInfo process, FdInfo epoll, FdInfo fd, PipeInfo pipe)
    {
        foreach (int reader in KindScope.Holding(pipe.Holders, "reader", except: process.Pid))
        {
            _edges.Add(new WaitEdge(new WaitEnd(process.Pid), new WaitEnd(reader), fd.Target, WaitReasons.WriteFullPipe, Certainty.Inferred,
                $"every thread is parked in epoll/futex; epoll fd {epoll.Fd} watches fd {fd.Fd}, the write end of {fd.Target}, which is full ({pipe.QueuedBytes}/{pipe.CapacityBytes} bytes)", fd.Fd));
        }
    }

    private bool IsBlocked(int pid) => _edges.Any(e => e.From.Pid == pid && e.Certainty == Certainty.Observed);

    /// <summary>
    /// Stopped, or every thread asleep in a sleep call and unmoved: such a holder writes nothing while
    /// the reader waits (`sleep 600 &amp;` that kept a copy of the pipe).
    /// </summary>
    private bool WillNotWrite(int pid) =>
        _snapshot.FindProcess(pid) is ProcessInfo p && p.State != "Z"
        && (p.State is "T" or "t"
            || (p.Threads.Length > 0 && p.Threads.All(t => t.Progress?.Moved != true && t.State != "R"
                && t.Syscall?.Shape == SyscallShape.Sleep)));

    /// <summary>
    /// True when no thread of the process runs or has a syscall on a pipe or child, and some thread
    /// sits in epoll/poll/futex. A runtime's own threads (a signal pipe, the debugger's FIFO) and a
    /// thread reading the process's own wake-up pipe do not count.
    /// </summary>
    private bool IsParked(ProcessInfo process)
    {
        bool polling = false;
        foreach (ThreadInfo t in process.Threads)
        {
            if (RuntimeRegistry.IsHousekeeping(process, t) || ReadsOwnPipe(process, t))
            {
                continue;
            }
            if (t.Progress?.CpuTicks > 0)
            {
                return false;
            }
            SyscallShape shape = t.Syscall?.Shape ?? SyscallShape.Other;
            switch (shape)
            {
                case SyscallShape.Poll:
                    polling = true;
                    break;
                case SyscallShape.Futex:
                case SyscallShape.Sleep:
                    break;
                default:
                    if (t.Syscall is not null || t.State == "R")
                    {
                        return false;
                    }
                    break;
            }
        }
        return polling;
    }

    private bool ReadsOwnPipe(ProcessInfo process, ThreadInfo t) =>
        t.Syscall is { Shape: SyscallShape.FdRead, Object: string obj }
        && _scope.Pipe(obj) is PipeInfo pipe && pipe.Holders.All(h => h.Pid == process.Pid);

    /// <summary>Which children a wait4/waitid call waits for: one pid, or every child (of a process group).</summary>
    private IEnumerable<int> AwaitedChildren(ProcessInfo process, string name, SyscallInfo call)
    {
        IEnumerable<ProcessInfo> children = _snapshot.Processes.Where(p => p.PPid == process.Pid && p.State != "Z");
        if (call.Args.Length < 2)
        {
            return children.Select(c => c.Pid);
        }
        if (name == "wait4")
        {
            int pid = unchecked((int)(uint)call.Args[0]);
            return pid > 0 ? children.Where(c => c.Pid == pid).Select(c => c.Pid) : children.Select(c => c.Pid);
        }
        // waitid(idtype, id, ...): P_PID = 1 names one child; P_ALL, P_PGID and P_PIDFD are taken as any child.
        return call.Args[0] == 1 ? children.Where(c => (ulong)c.Pid == call.Args[1]).Select(c => c.Pid) : children.Select(c => c.Pid);
    }
}
