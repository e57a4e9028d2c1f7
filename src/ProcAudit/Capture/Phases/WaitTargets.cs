using ProcAudit.Capture.Sockets;

namespace ProcAudit.Capture.Phases;

/// <summary>What the tree waits on, which the holder scan looks for and the later phases describe.</summary>
/// <param name="Pipes">The pipes its threads are blocked on or its pollers watch.</param>
/// <param name="Sockets">The socket tables of its network namespace; null when the tree holds no socket.</param>
/// <param name="SocketScan">The sockets it waits on, their peers on this machine, and the listeners its connect() calls try to reach.</param>
internal sealed record WaitTargets(HashSet<ulong> Pipes, SocketTable? Sockets, HashSet<ulong> SocketScan);
