using ProcAudit.Analysis;
using ProcAudit.DotNet;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>.NET trees with the runtime view: managed lock owners and managed frames join the kernel's picture.</summary>
public sealed class DotNetTests
{
    // A generous budget: the first ClrMD attach and EventPipe session in a process cost most.
    private static readonly AuditOptions s_withRuntime = new() { Enrichers = new[] { new DotNetEnricher() }, EnricherBudget = TimeSpan.FromSeconds(5) };

    [Fact]
    public void Two_threads_taking_two_monitors_in_opposite_order_are_a_lock_order_inversion_with_types_and_names()
    {
        using Scenario tree = Scenario.StartScenarioVerb("lock-order-inversion");

        AuditResult result = Until(tree.Pid, r => r.Analysis.Verdict == Verdict.Deadlock && Named(r, tree.Pid, "worker-a", "worker-b"));

        ProcessInfo process = result.Snapshot.FindProcess(tree.Pid)!;
        ThreadInfo a = Assert.Single(process.Threads, t => t.Name == "worker-a");
        ThreadInfo b = Assert.Single(process.Threads, t => t.Name == "worker-b");
        Cycle cycle = Assert.Single(result.Analysis.Cycles);
        Assert.Equal("lock-order-inversion", cycle.Pattern);
        Assert.All(cycle.Waits, e => Assert.Equal((WaitReasons.ManagedLock, Certainty.Observed), (e.Reason, e.Certainty)));
        Assert.Equal(new[] { a.Tid, b.Tid }, cycle.Members.Select(m => m.Tid!.Value).Order());
        Assert.Contains($"thread {a.Tid} (worker-a) waits for the lock on ProcAudit.Scenarios.LockOrderInversion+Ledger, owned by thread {b.Tid} (worker-b)", cycle.Summary);
        Assert.Contains($"thread {b.Tid} (worker-b) waits for the lock on ProcAudit.Scenarios.LockOrderInversion+Accounts, owned by thread {a.Tid} (worker-a)", cycle.Summary);
        Assert.Contains(a.ManagedStack, f => f.StartsWith("System.Threading.Monitor.Enter", StringComparison.Ordinal));
    }

    [Fact]
    public void A_thread_that_blocks_on_a_full_queue_while_holding_a_lock_is_named_with_the_threads_behind_it()
    {
        using Scenario tree = Scenario.StartScenarioVerb("monitor-held");

        AuditResult result = Until(tree.Pid, r => r.Analysis.Findings.Any(f => f.Kind == "lock-holder-blocked" && f.Summary.Contains("3 threads"))
            && Named(r, tree.Pid, "holder"));

        ProcessInfo process = result.Snapshot.FindProcess(tree.Pid)!;
        ThreadInfo holder = Assert.Single(process.Threads, t => t.Name == "holder");
        Finding finding = Assert.Single(result.Analysis.Findings);
        Assert.Equal("lock-holder-blocked", finding.Kind);
        Assert.Contains($"3 threads", finding.Summary);
        Assert.Contains("wait for the lock on System.Collections.Generic.List<System.String>", finding.Summary);
        Assert.Contains($"owned by thread {holder.Tid} (holder), which is itself blocked in System.Collections.Concurrent.BlockingCollection`1[System.Int32]", finding.Summary);
        Assert.Equal(Verdict.Stalled, result.Analysis.Verdict);
    }

    [Fact]
    public void With_the_managed_frame_WaitForExit_before_ReadToEnd_becomes_an_observed_wait_before_drain()
    {
        using Scenario tree = Scenario.StartScenarioVerb("wait-before-drain");

        AuditResult result = Until(tree.Pid, r => r.Analysis.Verdict == Verdict.Deadlock);

        Cycle cycle = Assert.Single(result.Analysis.Cycles);
        Assert.Equal("wait-before-drain", cycle.Pattern);
        WaitEdge wait = Assert.Single(cycle.Waits, e => e.Reason == WaitReasons.WaitChildExit);
        Assert.Equal((tree.Pid, tree.Pid, Certainty.Observed), (wait.From.Pid, wait.From.Tid!.Value, wait.Certainty));
        Assert.StartsWith($"thread {tree.Pid} is in the managed frame System.Diagnostics.Process.WaitForExit", wait.Evidence);
    }

    [Fact]
    public void A_lock_held_across_a_full_queue_whose_consumer_sends_to_a_peer_that_never_reads_is_reported_as_one_chain()
    {
        using Scenario tree = Scenario.StartScenarioVerb("queue-chain");

        // The joiner comes a second after the others: wait for both findings by name, then check there are no more.
        AuditResult result = Until(tree.Pid, r => r.Analysis.Findings.Any(f => f.Kind == "lock-holder-blocked") && r.Analysis.Findings.Any(f => f.Kind == "peer-not-reading")
            && Named(r, tree.Pid, "broadcaster", "writer", "joiner"));
        Assert.True(result.Analysis.Findings.Length == 2, string.Join("\n", result.Analysis.Findings.Select(f => $"{f.Kind} ({f.Certainty}): {f.Summary}")));

        ProcessInfo process = result.Snapshot.FindProcess(tree.Pid)!;
        ProcessInfo sink = Audits.Child(result.Snapshot, tree.Pid);
        ThreadInfo broadcaster = Assert.Single(process.Threads, t => t.Name == "broadcaster");
        ThreadInfo writer = Assert.Single(process.Threads, t => t.Name == "writer");
        ThreadInfo joiner = Assert.Single(process.Threads, t => t.Name == "joiner");

        Finding held = Assert.Single(result.Analysis.Findings, f => f.Kind == "lock-holder-blocked");
        Assert.Contains($"thread {joiner.Tid} (joiner)) waits for the lock on System.Collections.Generic.List<System.String>, owned by thread {broadcaster.Tid} (broadcaster), which is itself blocked in System.Collections.Concurrent.BlockingCollection", held.Summary);
        Finding peer = Assert.Single(result.Analysis.Findings, f => f.Kind == "peer-not-reading");
        Assert.Equal(new[] { sink.Pid, tree.Pid }, peer.Pids);
        WaitEdge send = Assert.Single(result.Analysis.Waits, e => e.Reason == WaitReasons.SendFullSocket);
        Assert.Equal((tree.Pid, writer.Tid, sink.Pid, Certainty.Observed), (send.From.Pid, send.From.Tid!.Value, send.To.Pid, send.Certainty));
        Assert.Equal(Verdict.Stalled, result.Analysis.Verdict);
    }

    /// <summary>
    /// Whether every one of <paramref name="names"/> is a thread's name yet: .NET renames a thread's comm when the
    /// program sets Thread.Name, a moment after the thread starts, sometimes after its lock is already taken.
    /// </summary>
    private static bool Named(AuditResult result, int pid, params string[] names) =>
        result.Snapshot.FindProcess(pid) is ProcessInfo p && names.All(n => p.Threads.Count(t => t.Name == n) == 1);

    private static AuditResult Until(int pid, Func<AuditResult, bool> formed) =>
        Audits.UntilFormed(new Auditor(s_withRuntime), pid, formed, TimeSpan.FromSeconds(30), "The hang");
}
