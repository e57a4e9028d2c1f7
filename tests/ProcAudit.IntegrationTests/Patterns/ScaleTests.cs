using ProcAudit.IntegrationTests.Infrastructure;
using ProcAudit.Reporting;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>A big tree: the text report summarises the processes that take no part in a wait; the JSON keeps every one.</summary>
public sealed class ScaleTests
{
    [Fact]
    public void A_tree_of_200_idle_processes_is_summarised_in_text_and_complete_in_json()
    {
        using Scenario tree = Scenario.StartShell("i=0; while [ $i -lt 200 ]; do sleep 600 & i=$((i+1)); done; wait");
        Assert.True(Scenario.WaitUntil(() => tree.Descendants().Count >= 200, TimeSpan.FromSeconds(20)), "the tree did not grow");

        // Until every child has exec'd sleep and gone to sleep: a forked sh still running would be a different line.
        AuditResult result = Audits.Until(tree.Pid, r => r.Snapshot.Processes.Count(p => p.Name == "sleep" && p.State == "S") == 200, interval: TimeSpan.Zero);
        Report report = ReportBuilder.Build(result);
        using StringWriter text = new();
        TextReport.Write(report, text);

        Assert.Equal(201, report.Processes.Count(p => p.InTree));
        Assert.Contains("+ 200 other processes not involved in any wait (200 in state S); the JSON report (--json) lists every one", text.ToString());
        Assert.True(text.ToString().Split('\n').Length < 60, $"the text report has {text.ToString().Split('\n').Length} lines");
        Assert.Equal(201, System.Text.Json.JsonDocument.Parse(ReportJson.Serialize(report)).RootElement.GetProperty("processes").GetArrayLength());
    }
}
