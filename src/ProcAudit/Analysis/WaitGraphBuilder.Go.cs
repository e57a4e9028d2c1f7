using System.Globalization;
using ProcAudit.Kinds;

namespace ProcAudit.Analysis;

/// <summary>
/// Goroutine-level edges. What a goroutine is parked on is observed (the runtime's own structures: a channel's
/// queues, a lock's semaphore, the netpoller's entry for an fd). Who it waits for is observed only for an fd (the
/// socket's peer, the pipe's other end); a channel's other side and a lock's holder are not recorded by the
/// runtime, so those edges are inferred from a live pointer or a pending deferred unlock, and say which.
/// </summary>
internal sealed partial class WaitGraphBuilder
{
    private void AddGoroutines(ProcessInfo process)
    {
        foreach (GoroutineInfo g in process.Goroutines)
        {
            // The runtime's own goroutines wait on channels only the runtime feeds (from the GC, not a goroutine).
            if (g.Moved || g.State != "waiting" || Describe.IsRuntimeGoroutine(g))
            {
                continue;
            }
            WaitEnd from = new(process.Pid, Goroutine: g.Id);
            switch (g.WaitKind)
            {
                case "chan-send" or "chan-recv" when process.GoChannels.FirstOrDefault(c => c.Id == g.WaitsOn) is GoChannelInfo channel:
                    AddChannelWait(process, g, from, channel);
                    break;
                case "lock" when process.GoLocks.FirstOrDefault(l => l.Id == g.WaitsOn) is GoLockInfo l:
                    AddLockWait(process, g, from, l);
                    break;
                case "io" when g.Fd is int fd && process.FindFd(fd) is FdInfo f:
                    AddIoWait(process, g, from, f);
                    break;
            }
        }
    }

    private void AddChannelWait(ProcessInfo process, GoroutineInfo g, WaitEnd from, GoChannelInfo channel)
    {
        bool send = g.WaitKind == "chan-send";
        string fill = $"{channel.Queued.ToString(CultureInfo.InvariantCulture)}/{channel.Capacity.ToString(CultureInfo.InvariantCulture)}";
        foreach (GoReferenceInfo other in channel.References.Where(r => r.Goroutine != g.Id).DistinctBy(r => r.Goroutine))
        {
            _edges.Add(new WaitEdge(from, new WaitEnd(process.Pid, Goroutine: other.Goroutine), channel.Id,
                send ? WaitReasons.GoChanSend : WaitReasons.GoChanRecv, Certainty.Inferred,
                $"goroutine {g.Id} is parked {(send ? "sending on" : "receiving from")} {channel.Id} ({fill}{(channel.ElementType is null ? "" : ", chan " + channel.ElementType)}) " +
                $"with nobody queued on the other side; goroutine {other.Goroutine} holds the channel in a live variable of {other.Function} ({Path.GetFileName(other.File)}:{other.Line}), " +
                $"so it is taken as its {(send ? "receiver" : "sender")}"));
        }
    }

    private void AddLockWait(ProcessInfo process, GoroutineInfo g, WaitEnd from, GoLockInfo l)
    {
        foreach ((long holder, string evidence) in GoLockHolders.Of(l))
        {
            if (holder == g.Id)
            {
                continue;
            }
            _edges.Add(new WaitEdge(from, new WaitEnd(process.Pid, Goroutine: holder), l.Id, WaitReasons.GoLock, Certainty.Inferred,
                $"goroutine {g.Id} is parked in {(g.LockMode == "read" ? "RLock" : "Lock")} on {GoLockHolders.Name(l)} ({GoLockHolders.State(l)}); {evidence}, so it is taken as the holder"));
        }
    }

    private void AddIoWait(ProcessInfo process, GoroutineInfo g, WaitEnd from, FdInfo fd)
    {
        bool write = g.FdMode == "write";
        string parked = $"goroutine {g.Id} is parked in the netpoller {(write ? "writing" : "reading")} fd {fd.Fd} ({fd.Target}), as its pollDesc says";
        if (AddSocketWait(process, from, fd, write, parked))
        {
            return;
        }
        if (_scope.StuckPipe(fd.Target) is not PipeInfo pipe)
        {
            return;
        }
        if (!write && pipe.QueuedBytes == 0)
        {
            foreach (int writer in KindScope.Holding(pipe.Holders, "writer", except: process.Pid))
            {
                _edges.Add(new WaitEdge(from, new WaitEnd(writer), pipe.Id, WaitReasons.ReadEmptyPipe, Certainty.Observed, $"{parked}, which is empty", fd.Fd));
            }
        }
        else if (write)
        {
            foreach (int reader in KindScope.Holding(pipe.Holders, "reader", except: process.Pid))
            {
                _edges.Add(new WaitEdge(from, new WaitEnd(reader), pipe.Id, WaitReasons.WriteFullPipe, Certainty.Observed, $"{parked}, which has no room", fd.Fd));
            }
        }
    }

    /// <summary>
    /// A runtime's waiter (a goroutine, an async flow) on a socket, as its own structures say: sending into a full
    /// socket waits for the peer's holders to read, receiving from an empty one for them to send. False when the fd is
    /// not a connected socket.
    /// </summary>
    private bool AddSocketWait(ProcessInfo process, WaitEnd from, FdInfo fd, bool write, string parked)
    {
        if (_scope.Socket(fd.Target) is not SocketInfo socket || socket.Listener)
        {
            return false;
        }
        List<int> peers = _scope.PeerHolders(socket, except: process.Pid).ToList();
        if (write && (socket.SendQueueBytes > 0 || socket.ZeroWindow))
        {
            foreach (int peer in peers)
            {
                _edges.Add(new WaitEdge(from, new WaitEnd(peer), socket.Id, WaitReasons.SendFullSocket, Certainty.Observed,
                    $"{parked}; Send-Q {Describe.Bytes(socket.SendQueueBytes ?? 0)}{(socket.ZeroWindow ? " against a zero window" : "")}; its peer {socket.Peer} is held by {peer}", fd.Fd));
            }
        }
        else if (!write && socket.RecvQueueBytes == 0)
        {
            foreach (int peer in peers)
            {
                _edges.Add(new WaitEdge(from, new WaitEnd(peer), socket.Id, WaitReasons.RecvEmptySocket, Certainty.Observed,
                    $"{parked}, which has nothing to read; its peer {socket.Peer} is held by {peer}", fd.Fd));
            }
        }
        return true;
    }
}
