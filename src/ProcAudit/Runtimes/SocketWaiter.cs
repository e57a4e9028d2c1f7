using ProcAudit.Analysis;
using ProcAudit.Kinds;

namespace ProcAudit.Runtimes;

/// <summary>
/// A runtime's waiter (a goroutine, an async flow) on a socket, as its own structures say: sending into a full
/// socket waits for the peer's holders to read, receiving from an empty one for them to send.
/// </summary>
internal static class SocketWaiter
{
    /// <summary>The edges of <paramref name="from"/>, parked as <paramref name="parked"/> says; null when the fd is not a connected socket.</summary>
    public static List<WaitEdge>? Edges(KindScope scope, ProcessInfo process, WaitEnd from, FdInfo fd, bool write, string parked)
    {
        if (scope.Socket(fd.Target) is not SocketInfo socket || socket.Listener)
        {
            return null;
        }
        List<WaitEdge> edges = new();
        List<int> peers = scope.PeerHolders(socket, except: process.Pid).ToList();
        if (write && (socket.SendQueueBytes > 0 || socket.ZeroWindow))
        {
            foreach (int peer in peers)
            {
                edges.Add(new WaitEdge(from, new WaitEnd(peer), socket.Id, WaitReasons.SendFullSocket, Certainty.Observed,
                    $"{parked}; Send-Q {Describe.Bytes(socket.SendQueueBytes ?? 0)}{(socket.ZeroWindow ? " against a zero window" : "")}; its peer {socket.Peer} is held by {peer}", fd.Fd));
            }
        }
        else if (!write && socket.RecvQueueBytes == 0)
        {
            foreach (int peer in peers)
            {
                edges.Add(new WaitEdge(from, new WaitEnd(peer), socket.Id, WaitReasons.RecvEmptySocket, Certainty.Observed,
                    $"{parked}, which has nothing to read; its peer {socket.Peer} is held by {peer}", fd.Fd));
            }
        }
        return edges;
    }
}
