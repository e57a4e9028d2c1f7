namespace ProcAudit.Capture.Sockets;

/// <summary>
/// Measures a socket's queues through one holder's descriptor, without reading from it. Behind an
/// interface so analysis tests and fixture trees can supply recorded values.
/// </summary>
internal interface ISocketQueueProbe
{
    SocketQueues Probe(int pid, int fd, ulong inode);
}
