using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ProcAudit.Enrichment;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>
/// A runtime view begins at the audit's first look and is finished after the second, so that its slow start (a
/// helper process, a first read of the heap) overlaps the interval; and the .NET view's helper refuses bad input.
/// </summary>
public sealed class ViewStartTests
{
    /// <summary>Writes down when the auditor called it, and with which process.</summary>
    private sealed class Recorder : IRuntimeEnricher
    {
        public ConcurrentQueue<string> Calls { get; } = new();

        public Stopwatch Clock { get; } = Stopwatch.StartNew();

        public string Runtime => "dotnet";

        public RuntimeView Enrich(ProcessInfo process, TimeSpan budget, CancellationToken cancellationToken)
        {
            Calls.Enqueue($"enrich {process.Pid}");
            return new RuntimeView(process with { RuntimeViews = process.RuntimeViews.Add("recorded") }, []);
        }

        public IStartedView Begin(ProcessInfo firstLook, TimeSpan budget, CancellationToken cancellationToken)
        {
            Calls.Enqueue($"begin {firstLook.Pid} at {Clock.ElapsedMilliseconds}");
            return new Started(this, firstLook.Pid);
        }

        private sealed class Started(Recorder recorder, int pid) : IStartedView
        {
            public RuntimeView Finish(ProcessInfo process)
            {
                recorder.Calls.Enqueue($"finish {pid} with {process.Pid} at {recorder.Clock.ElapsedMilliseconds}");
                return new RuntimeView(process with { RuntimeViews = process.RuntimeViews.Add("recorded") }, []);
            }

            public void Dispose() => recorder.Calls.Enqueue($"dispose {pid}");
        }
    }

    [Fact]
    public void A_view_begins_at_the_first_look_and_is_finished_after_the_second_then_disposed()
    {
        using Scenario tree = Scenario.StartScenarioVerb("lock-order-inversion");
        Assert.True(Scenario.WaitUntil(() => new Auditor().Audit(tree.Pid).Snapshot.FindProcess(tree.Pid)?.Runtime == "dotnet", TimeSpan.FromSeconds(20)), "the scenario never showed as dotnet");
        Recorder recorder = new();
        AuditResult result = new Auditor(new AuditOptions { Interval = TimeSpan.FromMilliseconds(400), Enrichers = [recorder] }).Audit(tree.Pid);

        string[] calls = recorder.Calls.ToArray();
        Assert.Equal(3, calls.Length);
        Assert.StartsWith($"begin {tree.Pid} at ", calls[0]);
        Assert.StartsWith($"finish {tree.Pid} with {tree.Pid} at ", calls[1]);
        Assert.Equal($"dispose {tree.Pid}", calls[2]);
        long begun = long.Parse(calls[0].Split(' ')[^1], CultureInfo.InvariantCulture);
        long finished = long.Parse(calls[1].Split(' ')[^1], CultureInfo.InvariantCulture);
        Assert.True(finished - begun >= 400, $"finished {finished - begun} ms after it began: not after the second look");
        Assert.Contains("recorded", result.Snapshot.FindProcess(tree.Pid)!.RuntimeViews);
    }

    [Fact]
    public void Without_an_interval_a_view_is_taken_whole_at_once()
    {
        using Scenario tree = Scenario.StartScenarioVerb("lock-order-inversion");
        Assert.True(Scenario.WaitUntil(() => new Auditor().Audit(tree.Pid).Snapshot.FindProcess(tree.Pid)?.Runtime == "dotnet", TimeSpan.FromSeconds(20)), "the scenario never showed as dotnet");
        Recorder recorder = new();
        AuditResult result = new Auditor(new AuditOptions { Interval = TimeSpan.Zero, Enrichers = [recorder] }).Audit(tree.Pid);

        Assert.Equal([$"enrich {tree.Pid}"], recorder.Calls.ToArray());
        Assert.Contains("recorded", result.Snapshot.FindProcess(tree.Pid)!.RuntimeViews);
    }

    [Fact]
    public void The_dotnet_view_helper_given_no_process_on_stdin_or_bad_arguments_says_so_in_one_line()
    {
        using Scenario tree = Scenario.StartScenarioVerb("lock-order-inversion");
        string pid = tree.Pid.ToString(CultureInfo.InvariantCulture);

        CliRun empty = Infrastructure.Cli.Run("dotnet-view", "1000", pid);
        Assert.Equal(1, empty.ExitCode);
        Assert.StartsWith("procaudit: dotnet-view: the process on stdin is not one procaudit wrote (", empty.Stderr);
        Assert.Single(empty.Stderr.TrimEnd('\n').Split('\n'));
        Assert.Equal("", empty.Stdout);

        foreach (string[] args in new[] { new[] { "dotnet-view" }, ["dotnet-view", "soon", pid], ["dotnet-view", "1000", "-5"], ["dotnet-view", "1000", pid, "extra"] })
        {
            CliRun bad = Infrastructure.Cli.Run(args);
            Assert.Equal(1, bad.ExitCode);
            Assert.Equal("procaudit: usage: dotnet-view BUDGET-MS PID (the process as JSON on stdin); it is run by procaudit itself\n", bad.Stderr);
        }
    }
}
