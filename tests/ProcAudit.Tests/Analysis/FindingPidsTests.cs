using System.Collections.Immutable;
using ProcAudit.Analysis;
using ProcAudit.Fixtures;
using ProcAudit.Reporting;
using ProcAudit.Tests.Fixtures;

namespace ProcAudit.Tests.Analysis;

/// <summary>
/// A finding or cycle carries every process its sentence names, and the edges it tells: a CI script that
/// asks the JSON "which processes are involved" must not miss the peer that does not read.
/// </summary>
public sealed class FindingPidsTests
{
    public static TheoryData<string> Snapshots => new(Directory.GetFiles(Path.Combine(Repository.Root, "tests", "fixtures", "snapshots"), "*.json").Select(Path.GetFileNameWithoutExtension).Order()!);

    [Theory]
    [MemberData(nameof(Snapshots))]
    public void Every_process_a_recorded_snapshots_summary_names_is_in_its_pids(string name)
    {
        AuditResult result = Auditor.Analyze(RecordedSnapshotTests.Load(name));

        AssertNamedPidsListed(result);
    }

    [Theory]
    [MemberData(nameof(RecordedTreeTests.AllFixtures), MemberType = typeof(RecordedTreeTests))]
    public void Every_process_a_recorded_trees_summary_names_is_in_its_pids(string name)
    {
        AuditResult result = RecordedFixtures.Load(name).Audit();

        AssertNamedPidsListed(result);
    }

    [Fact]
    public void The_go_lock_chain_lists_the_peer_that_does_not_read_and_tells_its_edges_in_order()
    {
        AuditResult result = Auditor.Analyze(RecordedSnapshotTests.Load("go-broadcaster"));
        Report report = ReportBuilder.Build(result);

        Finding chain = Assert.Single(report.Findings, f => f.Kind == "lock-held-across-blocking-send");
        ProcessInfo peer = Assert.Single(result.Snapshot.Processes, p => p.Pid != result.Snapshot.Root && p.Name == result.Snapshot.FindProcess(result.Snapshot.Root)!.Name);
        Assert.Equal(new[] { result.Snapshot.Root, peer.Pid }, chain.Pids);
        Assert.Equal(Certainty.Inferred, chain.Certainty);
        // The lock wait, the channel to its receiver, the receiver's write to the peer: in the sentence's order.
        ImmutableArray<WaitEdge> told = chain.Chain.Select(i => report.Waits[i]).ToImmutableArray();
        Assert.Equal(new[] { WaitReasons.GoLock, WaitReasons.GoChanSend, WaitReasons.SendFullSocket }, told.Select(e => e.Reason));
        Assert.Equal(peer.Pid, told[^1].To.Pid);
    }

    private static void AssertNamedPidsListed(AuditResult result)
    {
        foreach (Finding f in result.Analysis.Findings)
        {
            foreach (ProcessInfo p in Named(result.Snapshot, f.Summary))
            {
                Assert.True(f.Pids.Contains(p.Pid), $"{f.Kind} names {Describe.DisplayName(p)} {p.Pid} but its pids are [{string.Join(", ", f.Pids)}]: {f.Summary}");
            }
        }
        foreach (Cycle c in result.Analysis.Cycles)
        {
            ImmutableArray<int> members = c.Members.Select(m => m.Pid).Concat(c.Waits.Select(w => w.To.Pid)).Distinct().ToImmutableArray();
            foreach (ProcessInfo p in Named(result.Snapshot, c.Summary))
            {
                Assert.True(members.Contains(p.Pid), $"{c.Pattern} names {p.Pid} but its members are [{string.Join(", ", members)}]");
            }
        }
    }

    /// <summary>The captured processes a sentence names as "name pid".</summary>
    private static IEnumerable<ProcessInfo> Named(Snapshot snapshot, string summary) =>
        snapshot.Processes.Where(p => System.Text.RegularExpressions.Regex.IsMatch(summary, $@"(^|\W){System.Text.RegularExpressions.Regex.Escape(Describe.DisplayName(p))} {p.Pid}\b"));
}
