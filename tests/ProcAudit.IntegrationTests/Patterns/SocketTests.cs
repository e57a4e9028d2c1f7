using System.Security.Cryptography;
using ProcAudit.Analysis;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>Real sockets: a receiver that never reads, two senders that never read, a healthy echo pair.</summary>
public sealed class SocketTests
{
    // The server accepts and then waits for a go file before reading everything it was sent.
    private const string Server = """
        import socket, sys, time, os, hashlib
        s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
        open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1])); os.rename(sys.argv[1] + ".tmp", sys.argv[1])
        c, _ = s.accept()
        while not os.path.exists(sys.argv[2]):
            time.sleep(0.05)
        data = b""
        while len(data) < int(sys.argv[3]):
            chunk = c.recv(1 << 20)
            if not chunk: break
            data += chunk
        open(sys.argv[2] + ".sha", "w").write(hashlib.sha256(data).hexdigest())
        time.sleep(600)
        """;

    private const string Client = """
        import socket, sys, time, random
        while True:
            try:
                port = int(open(sys.argv[1]).read()); break
            except Exception:
                time.sleep(0.05)
        c = socket.create_connection(("127.0.0.1", port))
        c.sendall(random.Random(7).randbytes(int(sys.argv[2])))
        time.sleep(600)
        """;

    [Fact]
    public void A_tcp_receiver_that_never_reads_is_named_with_both_queues_and_its_bytes_are_untouched()
    {
        string python = Python();
        string dir = Directory.CreateTempSubdirectory("procaudit-sockets-").FullName;
        const int Bytes = 20_000_000;
        try
        {
            string port = Path.Combine(dir, "port");
            string go = Path.Combine(dir, "go");
            File.WriteAllText(Path.Combine(dir, "server.py"), Server);
            File.WriteAllText(Path.Combine(dir, "client.py"), Client);
            using Scenario tree = Scenario.StartShell($"cd '{dir}' && {python} server.py {port} {go} {Bytes} & cd '{dir}' && {python} client.py {port} {Bytes}; wait");

            // The finding forms once the sender blocks; the kernel's zero window a moment later (one loaded run saw the first without the second).
            AuditResult result = Audits.Until(tree.Pid, r => r.Analysis.Findings.Any(f => f.Kind == "peer-not-reading" && r.Snapshot.FindSocket(f.Object!)?.ZeroWindow == true));

            Snapshot s = result.Snapshot;
            Assert.Equal(Verdict.Stalled, result.Analysis.Verdict);
            ProcessInfo server = Assert.Single(s.Processes, p => p.Cmdline.Contains("server.py"));
            ProcessInfo client = Assert.Single(s.Processes, p => p.Cmdline.Contains("client.py"));
            Finding finding = Assert.Single(result.Analysis.Findings);
            Assert.Equal("peer-not-reading", finding.Kind);
            Assert.Equal(new[] { server.Pid, client.Pid }, finding.Pids);

            SocketInfo sending = s.FindSocket(finding.Object!)!;
            SocketInfo receiving = s.FindSocket(sending.Peer!)!;
            Assert.Equal(FdKind.Tcp, sending.Kind);
            Assert.Equal((client.Pid, "owner"), (Assert.Single(sending.Holders).Pid, sending.Holders[0].Role));
            Assert.Equal(server.Pid, Assert.Single(receiving.Holders).Pid);
            Assert.Equal(sending.Local, receiving.Remote);
            Assert.Equal(sending.Remote, receiving.Local);
            Assert.True(sending.ZeroWindow);
            Assert.True(sending.SendQueueBytes > 1_000_000, $"Send-Q {sending.SendQueueBytes}");
            Assert.True(receiving.RecvQueueBytes > 10_000, $"Recv-Q {receiving.RecvQueueBytes}");
            Assert.Contains($"python3 {client.Pid} blocks sending on fd {sending.Holders[0].Fd} ({sending.Local} -> {sending.Remote}, {sending.Id}, Send-Q ", finding.Summary);
            Assert.Contains($"but the peer, python3 {server.Pid} fd {receiving.Holders[0].Fd} ({receiving.Id}, Recv-Q ", finding.Summary);
            Assert.Contains("does not read it: it sleeps in clock_nanosleep", finding.Summary);

            WaitEdge edge = Assert.Single(result.Analysis.Waits, e => e.Reason == WaitReasons.SendFullSocket);
            Assert.Equal((client.Pid, server.Pid, sending.Id, Certainty.Observed), (edge.From.Pid, edge.To.Pid, edge.Object, edge.Certainty));

            // Nothing was read by the audit: the server now reads all it was sent, and it is exactly the client's bytes.
            File.WriteAllText(go, "");
            string sha = Path.Combine(dir, "go.sha");
            Assert.True(Scenario.WaitUntil(() => File.Exists(sha), TimeSpan.FromSeconds(20)), "the server did not finish reading");
            Assert.Equal(Convert.ToHexString(SHA256.HashData(ClientBytes(Bytes))).ToLowerInvariant(), File.ReadAllText(sha));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Two_processes_that_both_send_before_reading_over_a_socketpair_are_a_send_send_deadlock()
    {
        const string Script = """
            import socket, os
            a, b = socket.socketpair()
            if os.fork() == 0:
                a.close(); b.sendall(b"c" * 5_000_000); b.recv(1); os._exit(0)
            b.close(); a.sendall(b"p" * 5_000_000); a.recv(1); os.wait()
            """;
        using Scenario tree = Scenario.StartProgram(Python(), "-c", Script);

        AuditResult result = Audits.UntilVerdict(tree.Pid, Verdict.Deadlock);

        Cycle cycle = Assert.Single(result.Analysis.Cycles);
        Assert.Equal("send-send-deadlock", cycle.Pattern);
        ProcessInfo child = Audits.Child(result.Snapshot, tree.Pid);
        Assert.Equal(new[] { tree.Pid, child.Pid }, cycle.Members.Select(m => m.Pid).Order());
        Assert.All(cycle.Waits, e => Assert.Equal((WaitReasons.SendFullSocket, Certainty.Observed), (e.Reason, e.Certainty)));
        SocketInfo parentEnd = result.Snapshot.FindSocket(cycle.Waits.Single(e => e.From.Pid == tree.Pid).Object!)!;
        Assert.Equal(FdKind.Unix, parentEnd.Kind);
        Assert.Equal(cycle.Waits.Single(e => e.From.Pid == child.Pid).Object, parentEnd.Peer);
        Assert.Contains($"python3 {tree.Pid} blocks sending to python3 {child.Pid}", cycle.Summary);
    }

    /// <summary>The parent sends 3 MB over a unix socketpair to a child that sleeps instead of reading.</summary>
    internal const string UnixReaderSleeps = """
        import socket, os, time
        a, b = socket.socketpair()
        if os.fork() == 0:
            a.close(); time.sleep(600); os._exit(0)
        b.close(); a.sendall(b"u" * 3_000_000)
        """;

    [Fact]
    public void A_unix_stream_reader_that_sleeps_is_a_peer_not_reading()
    {
        using Scenario tree = Scenario.StartProgram(Python(), "-c", UnixReaderSleeps);

        AuditResult result = Audits.Until(tree.Pid, r => r.Analysis.Findings.Any(f => f.Kind == "peer-not-reading"));

        ProcessInfo child = Audits.Child(result.Snapshot, tree.Pid);
        Finding finding = Assert.Single(result.Analysis.Findings);
        Assert.Equal("peer-not-reading", finding.Kind);
        Assert.Equal(new[] { child.Pid, tree.Pid }, finding.Pids);
        SocketInfo peer = result.Snapshot.FindSocket(result.Snapshot.FindSocket(finding.Object!)!.Peer!)!;
        Assert.True(peer.RecvQueueBytes > 100_000, $"the sleeping reader has {peer.RecvQueueBytes} bytes unread");
        Assert.Equal(Verdict.Stalled, result.Analysis.Verdict);
    }

    [Fact]
    public void A_healthy_echo_pair_under_load_is_running()
    {
        const string Script = """
            import socket, os
            a, b = socket.socketpair()
            if os.fork() == 0:
                a.close()
                while True:
                    d = b.recv(65536)
                    if not d: os._exit(0)
                    b.sendall(d)
            b.close()
            block = b"e" * 65536
            while True:
                a.sendall(block)
                got = 0
                while got < len(block):
                    got += len(a.recv(65536))
            """;
        using Scenario tree = Scenario.StartProgram(Python(), "-c", Script);

        // The echoing child exists and has run (its CPU time counts from the fork: its loop, not the start-up).
        Workload.WaitUntilStarted(tree, "the echo pair", () => tree.Descendants() is [int child] && Workload.CpuTicks(child) > 0);

        for (int i = 0; i < 3; i++)
        {
            AuditResult result = new Auditor().Audit(tree.Pid);
            Assert.Equal(Verdict.Running, result.Analysis.Verdict);
            Assert.Empty(result.Analysis.Findings);
            Assert.Empty(result.Analysis.Cycles);
        }
    }

    /// <summary>The bytes the client sent, made again the way it made them (Python's random.Random(7).randbytes).</summary>
    private static byte[] ClientBytes(int count)
    {
        string script = $"import random,sys; sys.stdout.buffer.write(random.Random(7).randbytes({count}).hex().encode())";
        CommandResult made = BoundedCommand.Run(Python(), ["-c", script], TimeSpan.FromSeconds(60));
        Assert.True(made.ExitCode == 0, made.Stderr);
        return Convert.FromHexString(made.Stdout);
    }

    private static string Python() => Prerequisites.Python3();
}
