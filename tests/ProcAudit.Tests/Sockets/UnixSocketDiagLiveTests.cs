using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using ProcAudit.Capture.Procfs;
using ProcAudit.Capture.Sockets;

namespace ProcAudit.Tests.Sockets;

/// <summary>UnixSocketDiag and SocketQueueProbe on real unix sockets: the test's own, and a python3 child's blocked socketpair.</summary>
public sealed class UnixSocketDiagLiveTests
{
    [Fact]
    public void DumpCompletesWithinItsBudgetForThisNamespace()
    {
        // Past its budget the dump says TimedOut: Ok is the dump's own word that it finished in time.
        UnixDiagDump dump = UnixSocketDiag.Dump(TimeSpan.FromSeconds(5));

        Assert.Equal(SocketProbeOutcome.Ok, dump.Outcome);
        Assert.Null(dump.Problem);
        Assert.False(dump.Truncated);
        Assert.Equal(new ProcfsReader().ReadLink("thread-self/ns/net").Text, dump.NetNamespace);
    }

    [Fact]
    public void ConnectedPairNamesEachOtherAndTheReceiverQueueHoldsEveryByteWritten()
    {
        string name = "\0procaudit-test-" + Guid.NewGuid().ToString("N");
        using Socket listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(name));
        listener.Listen(5);
        using Socket client = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(name));
        using Socket server = listener.Accept();
        const int written = 10000;
        client.Blocking = false;
        Assert.Equal(written, client.Send(new byte[written]));

        UnixDiagDump dump = UnixSocketDiag.Dump(TimeSpan.FromSeconds(5));

        Assert.Equal(SocketProbeOutcome.Ok, dump.Outcome);
        ulong clientInode = LiveSockets.Inode(client);
        ulong serverInode = LiveSockets.Inode(server);
        UnixDiagSocket clientEnd = dump.Sockets[clientInode];
        UnixDiagSocket serverEnd = dump.Sockets[serverInode];
        UnixDiagSocket listening = dump.Sockets[LiveSockets.Inode(listener)];
        Assert.Equal(serverInode, clientEnd.PeerInode);
        Assert.Equal(clientInode, serverEnd.PeerInode);
        Assert.Equal(written, serverEnd.RecvQueue);
        Assert.Equal(0, clientEnd.RecvQueue);
        // The writer is charged the buffer memory (truesize), more than the bytes.
        Assert.True(clientEnd.SendQueue > written, $"wqueue {clientEnd.SendQueue}");
        Assert.Equal(clientEnd.SendQueue, (long?)clientEnd.Memory!.WmemAlloc);
        Assert.Equal(TcpState.Established, serverEnd.State);
        Assert.Equal(TcpState.Listen, listening.State);
        Assert.Equal(0, listening.RecvQueue);
        Assert.Equal(5, listening.SendQueue);
        Assert.Equal("@" + name[1..], listening.Name);
        Assert.Equal(UnixSocketType.Stream, listening.Type);

        SocketQueueProbe probe = new();
        SocketQueues atServer = probe.Probe(Environment.ProcessId, LiveSockets.Fd(server), serverInode);
        SocketQueues atClient = probe.Probe(Environment.ProcessId, LiveSockets.Fd(client), clientInode);
        Assert.Equal(new SocketQueues(SocketProbeOutcome.Ok, written, 0), atServer);
        Assert.Equal(new SocketQueues(SocketProbeOutcome.Ok, 0, clientEnd.SendQueue), atClient);
    }

    [Fact]
    public void FilledStreamQueuesEveryAcceptedByteAtTheReader()
    {
        string name = "\0procaudit-test-" + Guid.NewGuid().ToString("N");
        using Socket listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(name));
        listener.Listen(1);
        using Socket client = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(name));
        using Socket server = listener.Accept();

        long written = LiveSockets.FillWithoutBlocking(client, TimeSpan.FromSeconds(20));
        UnixDiagDump dump = UnixSocketDiag.Dump(TimeSpan.FromSeconds(5));

        Assert.Equal(written, dump.Sockets[LiveSockets.Inode(server)].RecvQueue);
        Assert.True(written > 0);
    }

    [Fact]
    public void ProbeOfAListenerHasNoUnreadCount()
    {
        using Socket listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint("\0procaudit-test-" + Guid.NewGuid().ToString("N")));
        listener.Listen(3);

        SocketQueues queues = new SocketQueueProbe().Probe(Environment.ProcessId, LiveSockets.Fd(listener), LiveSockets.Inode(listener));

        Assert.Equal(SocketProbeOutcome.Ok, queues.Outcome);
        Assert.Null(queues.Unread);
        Assert.Equal(0, queues.Unsent);
        Assert.Contains("listening", queues.Problem);
    }

    [Fact]
    public void ProbeRefusesADescriptorThatIsNotThatSocket()
    {
        using Socket socket = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        SocketQueueProbe probe = new();

        SocketQueues wrongInode = probe.Probe(Environment.ProcessId, LiveSockets.Fd(socket), LiveSockets.Inode(socket) + 1);
        SocketQueues noSuchFd = probe.Probe(Environment.ProcessId, 1_000_000, 1);
        SocketQueues noSuchProcess = probe.Probe(int.MaxValue, 3, 1);

        Assert.Equal(SocketProbeOutcome.Gone, wrongInode.Outcome);
        Assert.Contains("no longer refers", wrongInode.Problem);
        Assert.Equal(SocketProbeOutcome.Gone, noSuchFd.Outcome);
        Assert.Equal(SocketProbeOutcome.Gone, noSuchProcess.Outcome);
        Assert.Null(noSuchProcess.Unread);
    }

    [Fact(Timeout = 60_000)]
    public async Task BlockedWriterInAnotherProcess()
    {
        // A python3 child writes 300 KiB into one end of a socketpair nobody reads: the writing
        // thread blocks, with part of the data queued at the other end.
        const string script = "import os, socket, threading, time\n"
            + "a, b = socket.socketpair()\n"
            + "threading.Thread(target=lambda: a.sendall(b'w' * 300 * 1024), daemon=True).start()\n"
            + "print(a.fileno(), b.fileno(), flush=True)\n"
            + "time.sleep(120)\n";
        using SessionChild python = SessionChild.Start(Prerequisites.Python3(), ["-c", script]);
        Process child = python.Process;
        string? line = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.NotNull(line);
        int[] fds = line.Split(' ').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        ulong writerInode = LiveSockets.InodeOfFd(child.Id, fds[0]);
        ulong readerInode = LiveSockets.InodeOfFd(child.Id, fds[1]);

        // Wait until the queue stops moving: the writer is then blocked.
        long? last = null;
        UnixDiagDump dump = UnixSocketDiag.Dump(TimeSpan.FromSeconds(5));
        Assert.True(LiveSockets.WaitFor(() =>
        {
            dump = UnixSocketDiag.Dump(TimeSpan.FromSeconds(5));
            long? now = dump.Sockets.GetValueOrDefault(readerInode)?.RecvQueue;
            bool settled = now is > 0 && now == last;
            last = now;
            Thread.Sleep(150);
            return settled;
        }, TimeSpan.FromSeconds(20)), "the reader's queue never settled");
        UnixDiagSocket reader = dump.Sockets[readerInode];
        UnixDiagSocket writer = dump.Sockets[writerInode];

        Assert.Equal(writerInode, reader.PeerInode);
        Assert.Equal(readerInode, writer.PeerInode);
        Assert.InRange(reader.RecvQueue!.Value, 1, 300 * 1024 - 1);
        SocketQueueProbe probe = new();
        SocketQueues atReader = probe.Probe(child.Id, fds[1], readerInode);
        SocketQueues atWriter = probe.Probe(child.Id, fds[0], writerInode);
        Assert.Equal(SocketProbeOutcome.Ok, atReader.Outcome);
        Assert.Equal(reader.RecvQueue, atReader.Unread);
        Assert.Equal(writer.SendQueue, atWriter.Unsent);
    }
}
