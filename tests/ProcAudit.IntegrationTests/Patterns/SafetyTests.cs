using ProcAudit.Analysis;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>The audit never consumes data from the tree's pipes.</summary>
public sealed class SafetyTests
{
    [Fact]
    public void Auditing_a_filled_pipe_leaves_every_byte_in_it()
    {
        string file = Path.Combine(Path.GetTempPath(), $"procaudit-bytes-{Guid.NewGuid():N}");
        byte[] expected = new byte[50_000];
        new Random(7).NextBytes(expected);
        File.WriteAllBytes(file, expected);
        try
        {
            // cat writes the whole file into the pipe and exits; sleep holds the read end and never reads.
            using Scenario tree = Scenario.StartShell($"cat '{file}' | sleep 600");
            int sleep = 0;
            Assert.True(Scenario.WaitUntil(() => (sleep = tree.ChildByComm("sleep") ?? 0) != 0 && QueuedIn(sleep) == expected.Length, TimeSpan.FromSeconds(10)),
                "the pipe did not fill");

            for (int i = 0; i < 3; i++)
            {
                AuditResult result = new Auditor().Audit(tree.Pid);
                Assert.Equal(expected.Length, result.Snapshot.FindPipe(Audits.PipeOf(result.Snapshot, sleep, 0))!.QueuedBytes);
            }

            // Now drain it ourselves (the test may read; the audit may not) and compare.
            byte[] actual = Drain(sleep, expected.Length);
            Assert.Equal(expected, actual);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static long? QueuedIn(int pid)
    {
        AuditResult result = new Auditor(new AuditOptions { Interval = TimeSpan.Zero }).Audit(pid);
        return result.Snapshot.FindPipe(Audits.PipeOf(result.Snapshot, pid, 0))?.QueuedBytes;
    }

    private static byte[] Drain(int pid, int length)
    {
        using FileStream stream = new($"/proc/{pid}/fd/0", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        byte[] buffer = new byte[length];
        int total = 0;
        while (total < length)
        {
            int n = stream.Read(buffer, total, length - total);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return buffer[..total];
    }
}
