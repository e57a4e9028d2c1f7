using ProcAudit.Analysis;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>pthread mutexes: an ABBA deadlock between two threads of a C program, and a healthy contended one.</summary>
public sealed class MutexTests
{
    /// <summary>The ABBA program, the one tools/record-snapshots.sh records as the c-mutex-abba snapshot.</summary>
    internal static string Abba { get; } = File.ReadAllText(Path.Combine(Repository.Root, "tests", "fixtures", "programs", "c-mutex-abba.c"));

    private const string Contended = """
        #include <pthread.h>
        static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
        static volatile long counter;
        static void *work(void *x) { for (;;) { pthread_mutex_lock(&m); for (int i = 0; i < 1000; i++) counter++; pthread_mutex_unlock(&m); } return 0; }
        int main(void) { pthread_t t[4]; for (int i = 0; i < 4; i++) pthread_create(&t[i], 0, work, 0); pthread_join(t[0], 0); return 0; }
        """;

    [Fact]
    public void An_abba_mutex_deadlock_between_two_threads_is_a_lock_order_inversion_naming_both_threads()
    {
        string dir = Directory.CreateTempSubdirectory("procaudit-mutex-").FullName;
        try
        {
            string program = CPrograms.Compile(dir, "abba", Abba);
            using Scenario tree = Scenario.StartProgram(program);

            AuditResult result = Audits.UntilVerdict(tree.Pid, Verdict.Deadlock);

            ProcessInfo process = result.Snapshot.FindProcess(tree.Pid)!;
            ThreadInfo a = Assert.Single(process.Threads, t => t.Name == "worker-a");
            ThreadInfo b = Assert.Single(process.Threads, t => t.Name == "worker-b");
            Cycle cycle = Assert.Single(result.Analysis.Cycles);
            Assert.Equal("lock-order-inversion", cycle.Pattern);
            Assert.Equal(new[] { a.Tid, b.Tid }, cycle.Members.Select(m => m.Tid!.Value).Order());
            WaitEdge aWaits = Assert.Single(cycle.Waits, e => e.From.Tid == a.Tid);
            Assert.Equal((tree.Pid, b.Tid, WaitReasons.FutexOwner, Certainty.Inferred), (aWaits.To.Pid, aWaits.To.Tid!.Value, aWaits.Reason, aWaits.Certainty));
            Assert.Equal(("mutex", b.Tid), (a.FutexOwner!.Kind, a.FutexOwner.Tid));
            Assert.Equal(a.Tid, b.FutexOwner!.Tid);
            Assert.Contains($"thread {a.Tid} (worker-a) waits for mutex 0x", cycle.Summary);
            Assert.Contains($"owned by thread {b.Tid} (worker-b)", cycle.Summary);
            // The main thread's pthread_join is seen too, and is not part of the cycle.
            WaitEdge join = Assert.Single(result.Analysis.Waits, e => e.Reason == WaitReasons.ThreadJoin);
            Assert.Equal((tree.Pid, a.Tid), (join.From.Tid!.Value, join.To.Tid!.Value));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Four_threads_hammering_one_mutex_are_running()
    {
        string dir = Directory.CreateTempSubdirectory("procaudit-mutex-").FullName;
        try
        {
            using Scenario tree = Scenario.StartProgram(CPrograms.Compile(dir, "contended", Contended));

            // The main thread and its four workers exist, and the workers have run.
            Workload.WaitUntilStarted(tree, "the four workers", () => Workload.Threads(tree.Pid) == 5 && Workload.CpuTicks(tree.Pid) > 0);
            for (int i = 0; i < 3; i++)
            {
                AuditResult result = new Auditor().Audit(tree.Pid);
                Assert.Equal(Verdict.Running, result.Analysis.Verdict);
                Assert.Empty(result.Analysis.Cycles);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
