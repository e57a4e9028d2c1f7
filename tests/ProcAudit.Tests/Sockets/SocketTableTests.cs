using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using ProcAudit.Capture.Procfs;
using ProcAudit.Capture.Sockets;
using static ProcAudit.Tests.Sockets.NetFixtures;

namespace ProcAudit.Tests.Sockets;

/// <summary>SocketTable over the recorded fixture trees: the index by inode, peers, and notes for what is missing.</summary>
public sealed class SocketTableTests
{
    private static SocketTable Load(string name, UnixDiagDump? diag = null, InetDiagDump? tcpDiag = null) =>
        SocketTable.Read(NetFixtures.Procfs(name), Pid(name), diag, tcpDiag);

    [Fact]
    public void TcpSocketsAreIndexedByInode()
    {
        SocketTable table = Load(TcpReaderNotReading);

        Assert.Empty(table.Notes);
        Assert.Equal(4, table.ByInode.Count);
        SocketEntry writer = table.Find(Inode(TcpReaderNotReading, "writer"))!;
        Assert.Equal(SocketKind.Tcp, writer.Kind);
        Assert.Equal(FdKind.Tcp, writer.FdKind);
        Assert.Equal("ESTABLISHED", writer.State);
        Assert.Equal(3791494, writer.SendQueue);
        Assert.Equal(0, writer.RecvQueue);
        Assert.True(writer.ZeroWindowProbe);
        SocketEntry listener = table.Find(Inode(TcpReaderNotReading, "listener"))!;
        Assert.True(listener.IsListener);
        Assert.Equal(1, listener.RecvQueue);
        // /proc/net/tcp prints 0 for a listener's tx_queue and nothing of its backlog limit.
        Assert.Null(listener.SendQueue);
        Assert.Null(listener.BacklogLimit);
        // The connection waiting in the accept queue has no inode: it is kept apart.
        SocketEntry queued = Assert.Single(table.Unheld);
        Assert.Equal(0UL, queued.Inode);
        Assert.Null(table.Find(0));
    }

    [Fact]
    public void LoopbackPeersPairUp()
    {
        SocketTable table = Load(TcpReaderNotReading);
        SocketEntry writer = table.Find(Inode(TcpReaderNotReading, "writer"))!;
        SocketEntry reader = table.Find(Inode(TcpReaderNotReading, "accepted"))!;

        Assert.Same(reader, table.FindLoopbackPeer(writer));
        Assert.Same(writer, table.FindLoopbackPeer(reader));
        Assert.Same(reader, table.FindPeer(writer));
        // Send-Q of the writer plus Recv-Q of the reader: every byte written and not read.
        Assert.Equal(3791494 + 127973, writer.SendQueue + reader.RecvQueue);
    }

    [Fact]
    public void RecordedTcpDumpAddsTcpInfoAndTheBacklogLimit()
    {
        InetDiagDump dump = InetDiagParserTests.Recorded();
        SocketTable table = Load(TcpReaderNotReading, tcpDiag: dump);
        SocketEntry writer = table.Find(Inode(TcpReaderNotReading, "writer"))!;
        SocketEntry listener = table.Find(Inode(TcpReaderNotReading, "listener"))!;

        Assert.Empty(table.Notes);
        Assert.Equal(4, listener.BacklogLimit);
        Assert.Equal(0u, writer.TcpInfo!.PeerWindow);
        Assert.Equal(3791494u, writer.TcpInfo.NotSentBytes);
        Assert.Equal(3859718u, writer.Memory!.WmemQueued);
        // Without the dump the same table has none of it.
        Assert.Null(Load(TcpReaderNotReading).Find(writer.Inode)!.TcpInfo);
    }

    [Fact]
    public void A_whole_tcp_dump_stands_in_for_net_tcp_with_the_same_entries()
    {
        InetDiagDump dump = InetDiagParserTests.Recorded();
        SocketTable fromFiles = Load(TcpReaderNotReading, tcpDiag: dump);
        // The same namespace without its tcp tables: reading them would leave "no net/tcp" notes.
        string root = TempProc(out int pid);
        try
        {
            string net = Path.Combine(root, pid.ToString(CultureInfo.InvariantCulture), "net");
            foreach (string file in new[] { "udp", "udp6", "unix" })
            {
                File.Copy(Path.Combine(Dir(TcpReaderNotReading), "proc", Pid(TcpReaderNotReading).ToString(CultureInfo.InvariantCulture), "net", file), Path.Combine(net, file));
            }

            SocketTable fromDump = SocketTable.Read(new ProcfsReader(root), pid, null, dump);

            Assert.Empty(fromDump.Notes);
            Assert.Equal(fromFiles.ByInode.Keys.Order(), fromDump.ByInode.Keys.Order());
            foreach (SocketEntry entry in fromFiles.ByInode.Values)
            {
                Assert.Equal(entry, fromDump.ByInode[entry.Inode]);
            }
            Assert.Equal(fromFiles.Unheld.Single() with { TcpInfo = null, Memory = null }, fromDump.Unheld.Single() with { TcpInfo = null, Memory = null });
            Assert.True(fromDump.Find(Inode(TcpReaderNotReading, "writer"))!.ZeroWindowProbe);
            Assert.Equal(4, fromDump.Find(Inode(TcpReaderNotReading, "listener"))!.BacklogLimit);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void A_tcp_dump_that_stopped_early_leaves_net_tcp_as_the_source()
    {
        InetDiagDump whole = InetDiagParserTests.Recorded();
        InetDiagDump partial = whole with { Truncated = true, Problem = "the TCP socket dump stopped at 1 sockets", Sockets = whole.Sockets.Take(1).ToImmutableDictionary() };

        SocketTable table = Load(TcpReaderNotReading, tcpDiag: partial);

        Assert.Equal(4, table.ByInode.Count);
        Assert.Single(table.Unheld);
        Assert.Contains(table.Notes, n => n.Message.Contains("incomplete", StringComparison.Ordinal));
    }

    [Fact]
    public void PeerOfAClientNotYetAcceptedIsTheQueuedConnection()
    {
        SocketTable table = Load(TcpReaderNotReading);
        SocketEntry client = table.Find(Inode(TcpReaderNotReading, "pending"))!;

        SocketEntry? peer = table.FindLoopbackPeer(client);

        Assert.NotNull(peer);
        Assert.Equal(0UL, peer.Inode);
        Assert.Equal(new SocketEndpoint(IPAddress.Loopback, 40401), peer.Local);
    }

    [Fact]
    public void ListenerHasNoPeer()
    {
        SocketTable table = Load(TcpReaderNotReading);

        Assert.Null(table.FindLoopbackPeer(table.Find(Inode(TcpReaderNotReading, "listener"))!));
    }

    [Fact]
    public void Ipv4ClientPairsWithItsIpv4MappedServerInTcp6()
    {
        SocketTable table = Load(Tcp6Loopback);
        SocketEntry client = table.Find(Inode(Tcp6Loopback, "mapped.client"))!;
        SocketEntry server = table.Find(Inode(Tcp6Loopback, "mapped.server"))!;

        Assert.Equal(SocketKind.Tcp, client.Kind);
        Assert.Equal(SocketKind.Tcp6, server.Kind);
        Assert.Same(server, table.FindLoopbackPeer(client));
        Assert.Same(client, table.FindLoopbackPeer(server));
        Assert.Equal(3000, server.RecvQueue);
        Assert.Equal(700, client.RecvQueue);
    }

    [Fact]
    public void Ipv6PeersPairUp()
    {
        SocketTable table = Load(Tcp6Loopback);
        SocketEntry client = table.Find(Inode(Tcp6Loopback, "v6.client"))!;
        SocketEntry server = table.Find(Inode(Tcp6Loopback, "v6.server"))!;

        Assert.Same(server, table.FindLoopbackPeer(client));
        Assert.Same(client, table.FindPeer(server));
        Assert.Equal(5000, server.RecvQueue);
        Assert.Equal(6, table.ByInode.Count);
    }

    [Fact]
    public void ConnectedUdpSenderFindsTheBoundReceiver()
    {
        SocketTable table = Load(UdpQueued);
        SocketEntry sender = table.Find(Inode(UdpQueued, "v4.sender"))!;
        SocketEntry receiver = table.Find(Inode(UdpQueued, "v4.receiver"))!;

        Assert.Same(receiver, table.FindLoopbackPeer(sender));
        // An unconnected socket points nowhere.
        Assert.Null(table.FindLoopbackPeer(receiver));
        Assert.Equal(97, table.Find(Inode(UdpQueued, "small.receiver"))!.Drops);
        Assert.Equal(SocketKind.Udp6, table.Find(Inode(UdpQueued, "v6.receiver"))!.Kind);
    }

    [Fact]
    public void UnixSocketsWithoutADumpHavePathsButNoPeers()
    {
        SocketTable table = Load(UnixSocketpairFull);
        SocketEntry listener = table.Find(Inode(UnixSocketpairFull, "listener"))!;
        SocketEntry reader = table.Find(Inode(UnixSocketpairFull, "pair.reader"))!;

        Assert.Empty(table.Notes);
        Assert.Equal(8, table.ByInode.Count);
        Assert.Equal("/tmp/procaudit-net-fixture/listen sock with spaces", listener.Path);
        Assert.True(listener.IsListener);
        Assert.Equal("LISTEN", listener.State);
        Assert.Equal("ESTABLISHED", reader.State);
        Assert.Null(reader.PeerInode);
        Assert.Null(reader.RecvQueue);
        Assert.Null(table.FindPeer(reader));
    }

    [Fact]
    public void UnixSocketsWithTheRecordedDumpHavePeersAndQueues()
    {
        UnixDiagDump dump = UnixDiagParser.Parse(DiagDatagrams(UnixSocketpairFull), DiagSequence);
        SocketTable table = Load(UnixSocketpairFull, dump);
        SocketEntry reader = table.Find(Inode(UnixSocketpairFull, "pair.reader"))!;
        SocketEntry writer = table.Find(Inode(UnixSocketpairFull, "pair.writer"))!;
        SocketEntry listener = table.Find(Inode(UnixSocketpairFull, "listener"))!;
        SocketEntry pending = table.Find(Inode(UnixSocketpairFull, "pending"))!;
        SocketEntry dgram = table.Find(Inode(UnixSocketpairFull, "dgram"))!;

        Assert.Empty(table.Notes);
        Assert.Same(writer, table.FindPeer(reader));
        Assert.Same(reader, table.FindPeer(writer));
        Assert.Equal(219264, reader.RecvQueue);
        Assert.Equal(222720, writer.SendQueue);
        Assert.Equal(222720u, writer.Memory!.WmemAlloc);
        Assert.Equal(UnixSocketType.Stream, reader.UnixType);
        Assert.Equal(1, listener.RecvQueue);
        Assert.Equal(8, listener.BacklogLimit);
        Assert.Null(listener.SendQueue);
        Assert.Equal(0UL, pending.PeerInode);
        Assert.Null(table.FindPeer(pending));
        Assert.Equal("UNCONNECTED", dgram.State);
        Assert.Equal("@procaudit-fixture-dgram", dgram.Path);
        Assert.Equal(100, dgram.RecvQueue);
    }

    [Fact]
    public void SocketKnownOnlyToTheDumpIsAdded()
    {
        UnixDiagDump recorded = UnixDiagParser.Parse(DiagDatagrams(UnixSocketpairFull), DiagSequence);
        UnixDiagSocket extra = new(999999, UnixSocketType.Stream, TcpState.Established, 1, 5, 0, null, "@late");
        UnixDiagDump dump = recorded with { Sockets = recorded.Sockets.Add(extra.Inode, extra) };

        SocketEntry entry = Load(UnixSocketpairFull, dump).Find(999999)!;

        Assert.Equal("@late", entry.Path);
        Assert.Equal(5, entry.RecvQueue);
    }

    [Fact]
    public void FailedDumpIsANoteAndTheTablesStand()
    {
        UnixDiagDump failed = UnixDiagDump.Failure(SocketProbeOutcome.Unsupported, "the kernel cannot list unix sockets (no unix_diag: errno 2 (ENOENT))");

        SocketTable table = Load(UnixSocketpairFull, failed);

        Note note = Assert.Single(table.Notes);
        Assert.Equal("unsupported", note.Kind);
        Assert.Contains("unix_diag", note.Message);
        Assert.Equal(8, table.ByInode.Count);
    }

    [Fact]
    public void DumpOfAnotherNetworkNamespaceIsNotUsed()
    {
        string root = TempProc(out int pid);
        try
        {
            File.Copy(Path.Combine(Dir(UnixSocketpairFull), "proc", Pid(UnixSocketpairFull).ToString(CultureInfo.InvariantCulture), "net", "unix"),
                Path.Combine(root, pid.ToString(CultureInfo.InvariantCulture), "net", "unix"));
            Directory.CreateDirectory(Path.Combine(root, pid.ToString(CultureInfo.InvariantCulture), "ns"));
            File.CreateSymbolicLink(Path.Combine(root, pid.ToString(CultureInfo.InvariantCulture), "ns", "net"), "net:[4026532999]");
            UnixDiagDump dump = UnixDiagParser.Parse(DiagDatagrams(UnixSocketpairFull), DiagSequence, "net:[4026531833]");

            SocketTable table = SocketTable.Read(new ProcfsReader(root), pid, dump);

            Assert.Contains(table.Notes, n => n.Kind == "unsupported" && n.Message.Contains("net:[4026532999]"));
            Assert.Null(table.Find(Inode(UnixSocketpairFull, "pair.reader"))!.PeerInode);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void MissingTablesAreUnsupportedNotes()
    {
        string root = TempProc(out int pid);
        try
        {
            File.WriteAllText(Path.Combine(root, pid.ToString(CultureInfo.InvariantCulture), "net", "tcp"), Read(TcpReaderNotReading, "tcp"));

            SocketTable table = SocketTable.Read(new ProcfsReader(root), pid);

            Assert.Equal(4, table.ByInode.Count);
            Assert.Equal(new[] { "net/tcp6", "net/udp", "net/udp6", "net/unix" },
                table.Notes.Select(n => n.Path![(n.Path!.IndexOf('/') + 1)..]).ToArray());
            Assert.All(table.Notes, n => Assert.Equal("unsupported", n.Kind));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void ProcessThatIsGoneIsOneNote()
    {
        string root = TempProc(out int pid);
        try
        {
            SocketTable table = SocketTable.Read(new ProcfsReader(root), pid + 1);

            Assert.Empty(table.ByInode);
            Assert.Equal("gone", Assert.Single(table.Notes).Kind);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void BadRowsBecomeNotesWithTheirLine()
    {
        string root = TempProc(out int pid);
        try
        {
            string net = Path.Combine(root, pid.ToString(CultureInfo.InvariantCulture), "net");
            string tcp = Read(TcpReaderNotReading, "tcp");
            File.WriteAllText(Path.Combine(net, "tcp"), tcp + "garbage row\n" + string.Concat(Enumerable.Repeat("x y\n", 7)));
            foreach (string file in new[] { "tcp6", "udp", "udp6" })
            {
                File.WriteAllText(Path.Combine(net, file), "");
            }
            File.WriteAllText(Path.Combine(net, "unix"), Read(UnixSocketpairFull, "unix"));

            SocketTable table = SocketTable.Read(new ProcfsReader(root), pid);

            Assert.Equal(4 + 8, table.ByInode.Count);
            ImmutableArray<Note> tcpNotes = table.Notes.Where(n => n.Path!.EndsWith("/net/tcp", StringComparison.Ordinal)).ToImmutableArray();
            // Five lines quoted, then a count of the rest.
            Assert.Equal(6, tcpNotes.Length);
            Assert.Contains("line 7", tcpNotes[0].Message);
            Assert.Contains("garbage row", tcpNotes[0].Message);
            Assert.Contains("3 more", tcpNotes[5].Message);
            Assert.Equal(3, table.Notes.Count(n => n.Message.Contains("empty", StringComparison.Ordinal)));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>A temporary procfs root with an empty PID/net directory.</summary>
    private static string TempProc(out int pid)
    {
        string root = Path.Combine(Path.GetTempPath(), "procaudit-sockets-" + Guid.NewGuid().ToString("N"));
        pid = 4242;
        Directory.CreateDirectory(Path.Combine(root, pid.ToString(CultureInfo.InvariantCulture), "net"));
        return root;
    }
}
