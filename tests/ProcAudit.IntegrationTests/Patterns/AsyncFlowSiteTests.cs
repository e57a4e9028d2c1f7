using ProcAudit.DotNet;
using ProcAudit.IntegrationTests.Infrastructure;
using ProcAudit.Reporting;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>
/// An async flow's frames carry the source line of the await each is suspended at, read from the portable PDB beside
/// the program's assembly; without the PDB no line is given (none is guessed).
/// </summary>
public sealed class AsyncFlowSiteTests
{
    // The view in a process of its own, as the tool takes it: a DAC read of a target that changes under it can fault, which in
    // this test host once took the whole run down (a segfault in libmscordaccore.so on a .NET Long Running thread).
    private static readonly AuditOptions s_withView = new() { Enrichers = Views.RuntimeViews.Default(), EnricherBudget = TimeSpan.FromSeconds(5) };

    [Fact]
    public void Each_frame_of_the_async_abba_flows_names_the_line_of_its_await()
    {
        // The lines of the two awaits the flows stop at, read from the scenario's own source.
        string[] source = File.ReadAllLines(Path.Combine(Repository.Root, "tests", "ProcAudit.Scenarios", "AsyncFlows.cs"));
        int whenAll = Array.FindIndex(source, l => l.Contains("await Task.WhenAll(Flow(a, b), Flow(b, a));", StringComparison.Ordinal)) + 1;
        int second = Array.FindIndex(source, l => l.Contains("await second.WaitAsync();", StringComparison.Ordinal)) + 1;
        Assert.True(whenAll > 0 && second > 0, "the scenario's awaits were not found in AsyncFlows.cs");

        using Scenario tree = Scenario.StartScenarioVerb("async-abba");
        AuditResult result = Audits.UntilFormed(new Auditor(s_withView), tree.Pid, r => r.Snapshot.FindProcess(tree.Pid)!.AsyncFlows.Length == 2, TimeSpan.FromSeconds(30), "The two flows");

        foreach (AsyncFlowInfo flow in result.Snapshot.FindProcess(tree.Pid)!.AsyncFlows)
        {
            Assert.Equal(
                ["ProcAudit.Scenarios.AsyncFlows.BothFlows@0", "System.Threading.Tasks.Task.WhenAll", "ProcAudit.Scenarios.AsyncFlows.Flow@2"],
                flow.Frames.ToArray());
            Assert.Equal($"AsyncFlows.cs:{whenAll} - AsyncFlows.cs:{second}", string.Join(" ", flow.FrameSites.Select(s => s ?? "-")));
        }
        string text = Audits.Seen(result);
        Assert.Contains($"      ProcAudit.Scenarios.AsyncFlows.BothFlows@0 (AsyncFlows.cs:{whenAll}) > System.Threading.Tasks.Task.WhenAll > ProcAudit.Scenarios.AsyncFlows.Flow@2 (AsyncFlows.cs:{second}) [awaits semaphore ", text);
        Assert.Contains("\"frameSites\"", ReportJson.Serialize(ReportBuilder.Build(result)));
    }

    [Fact]
    public void Without_the_pdb_the_frames_have_no_lines()
    {
        string copy = Directory.CreateTempSubdirectory("procaudit-nopdb-").FullName;
        try
        {
            string built = Path.GetDirectoryName(ScenarioPrograms.AssemblyPath(typeof(Scenario).Assembly))!;
            foreach (string file in Directory.GetFiles(built).Where(f => !f.EndsWith(".pdb", StringComparison.Ordinal)))
            {
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            }
            using Scenario tree = Scenario.StartProgram(Infrastructure.Cli.DotnetHost(), Path.Combine(copy, "ProcAudit.Scenarios.dll"), "async-abba");
            AuditResult result = Audits.UntilFormed(new Auditor(s_withView), tree.Pid, r => r.Snapshot.FindProcess(tree.Pid)!.AsyncFlows.Length == 2, TimeSpan.FromSeconds(30), "The two flows");

            Assert.All(result.Snapshot.FindProcess(tree.Pid)!.AsyncFlows, flow =>
            {
                Assert.Equal(3, flow.Frames.Length);
                Assert.Empty(flow.FrameSites);
            });
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }
}
