using System.Globalization;
using ProcAudit.Analysis;
using ProcAudit.Kinds;

namespace ProcAudit.Runtimes;

/// <summary>
/// Goroutine-level edges. What a goroutine is parked on is observed (the runtime's own structures: a channel's
/// queues, a lock's semaphore, the netpoller's entry for an fd). Who it waits for is observed only for an fd (the
/// socket's peer, the pipe's other end); a channel's other side and a lock's holder are not recorded by the
/// runtime, so those edges are inferred from a live pointer or a pending deferred unlock, and say which.
/// </summary>
internal static class GoEdges
{
    public static IEnumerable<WaitEdge> Of(KindScope scope, ProcessInfo process)
    {
        List<WaitEdge> edges = new();
        foreach (GoroutineInfo g in process.Goroutines)
        {
            // The runtime's own goroutines wait on channels only the runtime feeds (from the GC, not a goroutine).
            if (g.Moved || g.State != "waiting" || GoWords.IsRuntimeGoroutine(g))
            {
                continue;
            }
            WaitEnd from = new(process.Pid, Goroutine: g.Id);
            switch (g.WaitKind)
            {
                case "chan-send" or "chan-recv" when process.GoChannels.FirstOrDefault(c => c.Id == g.WaitsOn) is GoChannelInfo channel:
                    edges.AddRange(ChannelWait(process, g, from, channel));
                    break;
                case "lock" when process.GoLocks.FirstOrDefault(l => l.Id == g.WaitsOn) is GoLockInfo l:
                    edges.AddRange(LockWait(process, g, from, l));
                    break;
                case "io" when g.Fd is int fd && process.FindFd(fd) is FdInfo f:
                    edges.AddRange(IoWait(scope, process, g, from, f));
                    break;
            }
        }
        return edges;
    }

    private static IEnumerable<WaitEdge> ChannelWait(ProcessInfo process, GoroutineInfo g, WaitEnd from, GoChannelInfo channel)
    {
        bool send = g.WaitKind == "chan-send";
        string fill = $"{channel.Queued.ToString(CultureInfo.InvariantCulture)}/{channel.Capacity.ToString(CultureInfo.InvariantCulture)}";
        foreach (GoReferenceInfo other in channel.References.Where(r => r.Goroutine != g.Id).DistinctBy(r => r.Goroutine))
        {
            yield return new WaitEdge(from, new WaitEnd(process.Pid, Goroutine: other.Goroutine), channel.Id,
                send ? WaitReasons.GoChanSend : WaitReasons.GoChanRecv, Certainty.Inferred,
                $"goroutine {g.Id} is parked {(send ? "sending on" : "receiving from")} {channel.Id} ({fill}{(channel.ElementType is null ? "" : ", chan " + channel.ElementType)}) " +
                $"with nobody queued on the other side; goroutine {other.Goroutine} holds the channel in a live variable of {other.Function} ({Path.GetFileName(other.File)}:{other.Line}), " +
                $"so it is taken as its {(send ? "receiver" : "sender")}");
        }
    }

    private static IEnumerable<WaitEdge> LockWait(ProcessInfo process, GoroutineInfo g, WaitEnd from, GoLockInfo l)
    {
        foreach ((long holder, string evidence) in GoLockHolders.Of(l))
        {
            if (holder == g.Id)
            {
                continue;
            }
            yield return new WaitEdge(from, new WaitEnd(process.Pid, Goroutine: holder), l.Id, WaitReasons.GoLock, Certainty.Inferred,
                $"goroutine {g.Id} is parked in {(g.LockMode == "read" ? "RLock" : "Lock")} on {GoLockHolders.Name(l)} ({GoLockHolders.State(l)}); {evidence}, so it is taken as the holder");
        }
    }

    private static IEnumerable<WaitEdge> IoWait(KindScope scope, ProcessInfo process, GoroutineInfo g, WaitEnd from, FdInfo fd)
    {
        bool write = g.FdMode == "write";
        string parked = $"goroutine {g.Id} is parked in the netpoller {(write ? "writing" : "reading")} fd {fd.Fd} ({fd.Target}), as its pollDesc says";
        if (SocketWaiter.Edges(scope, process, from, fd, write, parked) is List<WaitEdge> onSocket)
        {
            return onSocket;
        }
        if (scope.StuckPipe(fd.Target) is not PipeInfo pipe)
        {
            return Array.Empty<WaitEdge>();
        }
        if (!write && pipe.QueuedBytes == 0)
        {
            return KindScope.Holding(pipe.Holders, "writer", except: process.Pid)
                .Select(writer => new WaitEdge(from, new WaitEnd(writer), pipe.Id, WaitReasons.ReadEmptyPipe, Certainty.Observed, $"{parked}, which is empty", fd.Fd));
        }
        if (write)
        {
            return KindScope.Holding(pipe.Holders, "reader", except: process.Pid)
                .Select(reader => new WaitEdge(from, new WaitEnd(reader), pipe.Id, WaitReasons.WriteFullPipe, Certainty.Observed, $"{parked}, which has no room", fd.Fd));
        }
        return Array.Empty<WaitEdge>();
    }
}
