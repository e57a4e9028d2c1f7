using ProcAudit.Analysis;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>A server that listens and never accepts: its backlog fills and the next client hangs in connect.</summary>
public sealed class BacklogTests
{
    private const string Script = """
        import socket, os, sys, time
        path = sys.argv[1]
        s = socket.socket(socket.AF_UNIX); s.bind(path); s.listen(1)
        for i in range(3):
            if os.fork() == 0:
                s.close()
                c = socket.socket(socket.AF_UNIX); c.connect(path); time.sleep(600); os._exit(0)
        time.sleep(600)
        """;

    [Fact]
    public void A_unix_listener_that_never_accepts_is_a_full_backlog_and_the_blocked_client_is_named()
    {
        string dir = Directory.CreateTempSubdirectory("procaudit-backlog-").FullName;
        try
        {
            string path = Path.Combine(dir, "sock");
            using Scenario tree = Scenario.StartProgram(Executables.FindOnPath("python3") ?? throw new InvalidOperationException("python3 is needed"), "-c", Script, path);

            // Two clients fit in the backlog of 1 (the kernel allows one more); the third one blocks.
            AuditResult result = Audits.Until(tree.Pid, r => r.Analysis.Findings.Any(f => f.Kind == "backlog-full")
                && r.Analysis.Waits.Any(e => e.Reason == WaitReasons.ConnectBacklogFull));

            Finding finding = Assert.Single(result.Analysis.Findings);
            Assert.Equal("backlog-full", finding.Kind);
            SocketInfo listener = result.Snapshot.FindSocket(finding.Object!)!;
            Assert.True(listener.Listener);
            Assert.Equal(path, listener.Path);
            Assert.Equal(1, listener.BacklogLimit);
            Assert.Equal(2, listener.RecvQueueBytes);
            WaitEdge connect = Assert.Single(result.Analysis.Waits, e => e.Reason == WaitReasons.ConnectBacklogFull);
            Assert.Equal((tree.Pid, listener.Id, Certainty.Observed), (connect.To.Pid, connect.Object, connect.Certainty));
            Assert.Equal("connect", result.Snapshot.FindProcess(connect.From.Pid)!.Threads.Single(t => t.Tid == connect.From.Tid).Syscall!.Name);
            Assert.Equal(new[] { tree.Pid, connect.From.Pid }, finding.Pids);
            Assert.Contains($"python3 {tree.Pid} listens on {path} ({listener.Id}) but does not accept: 2 connections wait and the backlog (1) is full; python3 {connect.From.Pid} blocks in connect", finding.Summary);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
