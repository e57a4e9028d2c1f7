using ProcAudit.Analysis;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>File locks taken in opposite order by two processes, and a busy but healthy lock user.</summary>
public sealed class FileLockTests
{
    internal const string Flock = """
        import fcntl, sys, time
        first, second = open(sys.argv[1], "w"), open(sys.argv[2], "w")
        fcntl.flock(first, fcntl.LOCK_EX)
        time.sleep(0.5)
        fcntl.flock(second, fcntl.LOCK_EX)
        time.sleep(600)
        """;

    // OFD locks: POSIX byte-range locks the kernel does not check for deadlock (F_SETLKW would fail with EDEADLK).
    private const string Ofd = """
        import fcntl, os, struct, sys, time
        fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
        def lock(start):
            fcntl.fcntl(fd, 38, struct.pack("hhqqi", fcntl.F_WRLCK, 0, start, 10, 0))  # F_OFD_SETLKW
        lock(int(sys.argv[2]))
        time.sleep(0.5)
        lock(int(sys.argv[3]))
        time.sleep(600)
        """;

    [Fact]
    public void Two_processes_taking_two_flocks_in_opposite_order_are_a_lock_order_inversion()
    {
        string dir = Directory.CreateTempSubdirectory("procaudit-flock-").FullName;
        try
        {
            string a = Path.Combine(dir, "a.lock");
            string b = Path.Combine(dir, "b.lock");
            File.WriteAllText(Path.Combine(dir, "abba.py"), Flock);
            using Scenario tree = Scenario.StartShell($"cd '{dir}'; python3 abba.py '{a}' '{b}' & python3 abba.py '{b}' '{a}'; wait");

            AuditResult result = Audits.UntilVerdict(tree.Pid, Verdict.Deadlock);

            Cycle cycle = Assert.Single(result.Analysis.Cycles);
            Assert.Equal("lock-order-inversion", cycle.Pattern);
            ProcessInfo first = Assert.Single(result.Snapshot.Processes, p => p.Cmdline.Length > 2 && p.Cmdline[2] == a);
            ProcessInfo second = Assert.Single(result.Snapshot.Processes, p => p.Cmdline.Length > 2 && p.Cmdline[2] == b);
            WaitEdge firstWaits = Assert.Single(cycle.Waits, e => e.From.Pid == first.Pid);
            Assert.Equal((second.Pid, WaitReasons.LockHeld, Certainty.Observed), (firstWaits.To.Pid, firstWaits.Reason, firstWaits.Certainty));
            Assert.Equal("flock", first.Threads.Single(t => t.Tid == firstWaits.From.Tid).Syscall!.Name);
            Assert.Contains($"python3 {first.Pid} waits for the flock on {b}, held by python3 {second.Pid}, while python3 {second.Pid} waits for the flock on {a}, held by python3 {first.Pid}", cycle.Summary);
            FileLockInfo held = Assert.Single(result.Snapshot.FileLocks, l => l.Id == firstWaits.Object && l.Depth == 0);
            Assert.Equal((second.Pid, b), (held.Pid, held.Path));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Two_byte_range_locks_taken_in_opposite_order_are_a_lock_order_inversion_with_their_ranges()
    {
        string dir = Directory.CreateTempSubdirectory("procaudit-ofd-").FullName;
        try
        {
            string data = Path.Combine(dir, "data.bin");
            File.WriteAllText(Path.Combine(dir, "ofd.py"), Ofd);
            using Scenario tree = Scenario.StartShell($"cd '{dir}'; python3 ofd.py '{data}' 0 100 & python3 ofd.py '{data}' 100 0; wait");

            AuditResult result = Audits.UntilVerdict(tree.Pid, Verdict.Deadlock);

            Cycle cycle = Assert.Single(result.Analysis.Cycles);
            Assert.Equal("lock-order-inversion", cycle.Pattern);
            ProcessInfo low = Assert.Single(result.Snapshot.Processes, p => p.Cmdline.Length > 3 && p.Cmdline[3] == "0");
            ProcessInfo high = Assert.Single(result.Snapshot.Processes, p => p.Cmdline.Length > 3 && p.Cmdline[3] == "100");
            Assert.Contains($"python3 {low.Pid} waits for bytes 100-109 of {data} (OFD lock), held by python3 {high.Pid}, while python3 {high.Pid} waits for bytes 0-9 of {data} (OFD lock), held by python3 {low.Pid}", cycle.Summary);
            Assert.All(cycle.Waits, e => Assert.StartsWith("ofd:", e.Object));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_busy_lock_heavy_workload_is_running()
    {
        const string Busy = """
            import fcntl, sys
            f = open(sys.argv[1], "w")
            while True:
                fcntl.flock(f, fcntl.LOCK_EX)
                fcntl.flock(f, fcntl.LOCK_UN)
            """;
        string dir = Directory.CreateTempSubdirectory("procaudit-busylock-").FullName;
        try
        {
            string lockFile = Path.Combine(dir, "l");
            File.WriteAllText(Path.Combine(dir, "busy.py"), Busy);
            using Scenario tree = Scenario.StartShell($"cd '{dir}'; for i in 1 2 3 4; do python3 busy.py '{lockFile}' & done; wait");

            // All four have opened the lock file: they are in their lock/unlock loop.
            Workload.WaitUntilStarted(tree, "the four lockers", () => tree.Descendants().Count(pid => Workload.HasOpen(pid, lockFile)) == 4);
            for (int i = 0; i < 3; i++)
            {
                AuditResult result = new Auditor().Audit(tree.Pid);
                Assert.Equal(Verdict.Running, result.Analysis.Verdict);
                Assert.Empty(result.Analysis.Cycles);
                Assert.Empty(result.Analysis.Findings);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
