using ProcAudit.Analysis;
using ProcAudit.Reporting;

namespace ProcAudit.Tests.Reporting;

/// <summary>The text report folds one thread's wait on one object for many processes into one line; short lists stay as they were.</summary>
public sealed class WaitGroupsTests
{
    private static WaitEdge Edge(int from, int to, string obj = "pipe:[1]") =>
        new(new WaitEnd(from, from), new WaitEnd(to), obj, WaitReasons.ReadEmptyPipe, Certainty.Observed, $"thread {from} is blocked in read(3) on {obj}");

    [Fact]
    public void Nine_holders_of_one_pipe_are_one_group_in_report_order()
    {
        List<WaitEdge> waits = new() { Edge(1, 50, "pipe:[2]") };
        waits.AddRange(Enumerable.Range(100, 9).Select(to => Edge(1, to)));
        waits.Add(Edge(2, 60, "pipe:[3]"));

        List<List<WaitEdge>> groups = WaitGroups.Of(waits);

        Assert.Equal(new[] { 1, 9, 1 }, groups.Select(g => g.Count));
        Assert.Equal(Enumerable.Range(100, 9), groups[1].Select(e => e.To.Pid));
        Assert.Equal(60, groups[2][0].To.Pid);
    }

    [Fact]
    public void Eight_holders_keep_a_line_each_in_their_original_order()
    {
        List<WaitEdge> waits = Enumerable.Range(100, 4).Select(to => Edge(1, to)).Append(Edge(2, 60, "pipe:[3]")).Concat(Enumerable.Range(104, 4).Select(to => Edge(1, to))).ToList();

        List<List<WaitEdge>> groups = WaitGroups.Of(waits);

        Assert.All(groups, g => Assert.Single(g));
        Assert.Equal(waits, groups.Select(g => g[0]));
    }
}
