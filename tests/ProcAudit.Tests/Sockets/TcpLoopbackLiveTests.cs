using System.Net;
using System.Net.Sockets;
using ProcAudit.Capture.Procfs;
using ProcAudit.Capture.Sockets;

namespace ProcAudit.Tests.Sockets;

/// <summary>NetTcpFile and SocketTable on /proc/self/net/tcp{,6} with a real loopback connection whose receiver never reads.</summary>
public sealed class TcpLoopbackLiveTests
{
    private static SocketTable Self() => SocketTable.Read(new ProcfsReader(), Environment.ProcessId);

    [Fact]
    public void SendQAndRecvQAddUpToTheBytesWrittenAndThePeersPair()
    {
        using Socket listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        using Socket server = listener.Accept();
        ulong clientInode = LiveSockets.Inode(client);
        ulong serverInode = LiveSockets.Inode(server);

        long written = LiveSockets.FillWithoutBlocking(client, TimeSpan.FromSeconds(20));

        SocketTable table = Self();
        Assert.True(LiveSockets.WaitFor(() =>
        {
            table = Self();
            return table.Find(clientInode)?.SendQueue + table.Find(serverInode)?.RecvQueue == written;
        }, TimeSpan.FromSeconds(10)), $"Send-Q + Recv-Q never reached {written}");
        SocketEntry sender = table.Find(clientInode)!;
        SocketEntry receiver = table.Find(serverInode)!;
        Assert.Equal("ESTABLISHED", sender.State);
        Assert.Same(receiver, table.FindLoopbackPeer(sender));
        Assert.Same(sender, table.FindLoopbackPeer(receiver));
        Assert.Equal(new SocketEndpoint(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndPoint!).Port), sender.Remote);

        // The receiver's window is closed and the sender has data left: the zero-window probe timer runs.
        Assert.True(LiveSockets.WaitFor(() => Self().Find(clientInode)?.ZeroWindowProbe == true, TimeSpan.FromSeconds(10)),
            "the sender never showed tr=4");

        SocketQueueProbe probe = new();
        SocketQueues atSender = probe.Probe(Environment.ProcessId, LiveSockets.Fd(client), clientInode);
        SocketQueues atReceiver = probe.Probe(Environment.ProcessId, LiveSockets.Fd(server), serverInode);
        Assert.Equal(sender.SendQueue, atSender.Unsent);
        Assert.Equal(receiver.RecvQueue, atReceiver.Unread);
        Assert.Equal(written, atSender.Unsent + atReceiver.Unread);

        // sock_diag says the same and more: the window the receiver advertises is zero.
        InetDiagDump dump = InetSocketDiag.DumpTcp(TimeSpan.FromSeconds(5));
        Assert.Equal(SocketProbeOutcome.Ok, dump.Outcome);
        InetDiagSocket diagSender = dump.Sockets[clientInode];
        Assert.Equal(sender.SendQueue, diagSender.SendQueue);
        Assert.Equal(0u, diagSender.Info!.PeerWindow);
        Assert.True(diagSender.Info.NotSentBytes > 0);
        Assert.Equal(receiver.RecvQueue, dump.Sockets[serverInode].RecvQueue);
        SocketTable joined = SocketTable.Read(new ProcfsReader(), Environment.ProcessId, tcpDiag: dump);
        Assert.Equal(0u, joined.Find(clientInode)!.TcpInfo!.PeerWindow);
        Assert.Equal(1, joined.Find(LiveSockets.Inode(listener))!.BacklogLimit);
    }

    [Fact]
    public void ListenerBacklogAndTheQueuedConnection()
    {
        using Socket listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);
        using Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);

        SocketTable table = Self();
        SocketEntry listening = table.Find(LiveSockets.Inode(listener))!;
        SocketEntry connecting = table.Find(LiveSockets.Inode(client))!;

        Assert.True(listening.IsListener);
        Assert.Equal(1, listening.RecvQueue);
        InetDiagDump dump = InetSocketDiag.DumpTcp(TimeSpan.FromSeconds(5));
        Assert.Equal(4, dump.Sockets[LiveSockets.Inode(listener)].SendQueue);
        SocketEntry? queued = table.FindLoopbackPeer(connecting);
        Assert.NotNull(queued);
        Assert.Equal(0UL, queued.Inode);
    }

    [Fact]
    public void Ipv4ClientOfADualStackListenerPairsWithItsMappedServer()
    {
        Assert.True(Socket.OSSupportsIPv6, "IPv6 is needed: this test pairs an IPv4 client with a dual-stack (IPv6) listener, and this machine has IPv6 disabled (net.ipv6.conf.all.disable_ipv6=1 or no ipv6 module).");
        using Socket listener = new(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
        listener.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
        listener.Listen(1);
        using Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(new IPEndPoint(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndPoint!).Port));
        using Socket server = listener.Accept();
        client.Send(new byte[1234]);
        ulong serverInode = LiveSockets.Inode(server);

        SocketTable table = Self();
        Assert.True(LiveSockets.WaitFor(() => (table = Self()).Find(serverInode)?.RecvQueue == 1234, TimeSpan.FromSeconds(10)));
        SocketEntry serverEntry = table.Find(serverInode)!;
        SocketEntry clientEntry = table.Find(LiveSockets.Inode(client))!;

        Assert.Equal(SocketKind.Tcp6, serverEntry.Kind);
        Assert.True(serverEntry.Local!.Address.IsIPv4MappedToIPv6);
        Assert.Equal(SocketKind.Tcp, clientEntry.Kind);
        Assert.Same(serverEntry, table.FindLoopbackPeer(clientEntry));
        Assert.Same(clientEntry, table.FindLoopbackPeer(serverEntry));
    }
}
