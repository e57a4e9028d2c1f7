using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ProcAudit.Enrichment;
using ProcAudit.IntegrationTests.Infrastructure;
using ProcAudit.Reporting;

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
    public void Without_an_interval_a_view_is_begun_and_finished_on_the_one_look()
    {
        using Scenario tree = Scenario.StartScenarioVerb("lock-order-inversion");
        Assert.True(Scenario.WaitUntil(() => new Auditor().Audit(tree.Pid).Snapshot.FindProcess(tree.Pid)?.Runtime == "dotnet", TimeSpan.FromSeconds(20)), "the scenario never showed as dotnet");
        Recorder recorder = new();
        AuditResult result = new Auditor(new AuditOptions { Interval = TimeSpan.Zero, Enrichers = [recorder] }).Audit(tree.Pid);

        string[] calls = recorder.Calls.ToArray();
        Assert.Equal(3, calls.Length);
        Assert.StartsWith($"begin {tree.Pid} at ", calls[0]);
        Assert.StartsWith($"finish {tree.Pid} with {tree.Pid} at ", calls[1]);
        Assert.Equal($"dispose {tree.Pid}", calls[2]);
        Assert.Contains("recorded", result.Snapshot.FindProcess(tree.Pid)!.RuntimeViews);
    }

    /// <summary>Writes down each batch of processes the auditor began together.</summary>
    private sealed class BatchRecorder : IRuntimeEnricher
    {
        public ConcurrentQueue<int[]> Batches { get; } = new();

        public string Runtime => "dotnet";

        public RuntimeView Enrich(ProcessInfo process, TimeSpan budget, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("every view was begun: none is to be taken whole");

        public IReadOnlyList<IStartedView> BeginAll(IReadOnlyList<ProcessInfo> firstLooks, TimeSpan budget, CancellationToken cancellationToken)
        {
            Batches.Enqueue(firstLooks.Select(p => p.Pid).ToArray());
            return firstLooks.Select(_ => (IStartedView)new Marked()).ToArray();
        }

        private sealed class Marked : IStartedView
        {
            public RuntimeView Finish(ProcessInfo process) => new(process with { RuntimeViews = process.RuntimeViews.Add("batched") }, []);

            public void Dispose()
            {
            }
        }
    }

    [Fact]
    public void The_processes_of_one_runtime_are_begun_together()
    {
        using Scenario tree = Scenario.StartScenarioVerbs("lock-order-inversion", "async-abba");
        Assert.True(Scenario.WaitUntil(() => tree.Descendants().Count(d => new Auditor().Audit(tree.Pid).Snapshot.FindProcess(d)?.Runtime == "dotnet") == 2, TimeSpan.FromSeconds(30)), "the two scenarios never showed as dotnet");
        int[] dotnet = tree.Descendants().Order().ToArray();
        BatchRecorder recorder = new();
        AuditResult result = new Auditor(new AuditOptions { Interval = TimeSpan.FromMilliseconds(200), Enrichers = [recorder] }).Audit(tree.Pid);

        int[] batch = Assert.Single(recorder.Batches);
        Assert.Equal(dotnet, batch.Order().ToArray());
        Assert.All(dotnet, pid => Assert.Contains("batched", result.Snapshot.FindProcess(pid)!.RuntimeViews));
    }

    [Fact]
    public void One_dotnet_view_helper_reads_every_dotnet_process_of_the_tree()
    {
        using Scenario tree = Scenario.StartScenarioVerbs("lock-order-inversion", "async-abba");
        Assert.True(Scenario.WaitUntil(() => tree.Descendants().Count(d => new Auditor().Audit(tree.Pid).Snapshot.FindProcess(d)?.Runtime == "dotnet") == 2, TimeSpan.FromSeconds(30)), "the two scenarios never showed as dotnet");
        int[] dotnet = tree.Descendants().Order().ToArray();

        CliRun run = default!;
        string[] helpers = HelpersWhile(() => run = Infrastructure.Cli.Run(tree.Pid.ToString(CultureInfo.InvariantCulture), "--json", "-"));

        string helper = Assert.Single(helpers);
        Assert.Equal(["dotnet-view", "2000", .. dotnet.Select(p => p.ToString(CultureInfo.InvariantCulture))], helper.Split(' ').Take(2).Concat(helper.Split(' ').Skip(2).Order()).ToArray());
        using JsonDocument report = JsonDocument.Parse(run.Stdout);
        foreach (int pid in dotnet)
        {
            JsonElement process = report.RootElement.GetProperty("processes").EnumerateArray().Single(p => p.GetProperty("pid").GetInt32() == pid);
            Assert.Contains("managed-locks", process.GetProperty("runtimeViews").EnumerateArray().Select(v => v.GetString()));
        }
        Assert.Contains("\"pattern\": \"lock-order-inversion\"", run.Stdout);
        Assert.Contains("\"pattern\": \"async-lock-order-inversion\"", run.Stdout);
        Assert.Equal(2, run.ExitCode);
    }

    [Fact]
    public void A_thread_the_second_look_saw_running_gets_its_frames_from_the_stack_sample_through_the_helper()
    {
        // ClrMD unwinds no thread that runs managed code; the helper made the view ready before it heard which threads
        // run, so this is the case where it must take the sample after all.
        using Scenario tree = Scenario.StartScenarioVerb("managed-spin");
        AuditResult result = Audits.UntilWithViews(tree.Pid, r => r.Snapshot.FindProcess(tree.Pid)?.Threads.Any(t => t.Name == "spinner" && t.State == "R" && !t.ManagedStack.IsDefaultOrEmpty) == true);

        ThreadInfo spinner = result.Snapshot.FindProcess(tree.Pid)!.Threads.Single(t => t.Name == "spinner");
        Assert.Contains(spinner.ManagedStack, f => f.Contains("BusyThread.SpinForever", StringComparison.Ordinal));
        Assert.Contains("managed-stacks", result.Snapshot.FindProcess(tree.Pid)!.RuntimeViews);
    }

    [Fact]
    public void Without_an_interval_the_helper_reads_each_heap_twice_back_to_back_and_the_async_cycle_is_still_named()
    {
        // --interval 0 asks for one quick look: the two reads of the heap then follow each other (--gap 0) instead of
        // waiting 300 ms, and must still agree for a flow to be called stuck.
        using Scenario tree = Scenario.StartScenarioVerb("async-abba");
        string pid = tree.Pid.ToString(CultureInfo.InvariantCulture);
        CliRun run = default!;
        string[] helpers = HelpersWhile(() =>
        {
            DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
            do
            {
                run = Infrastructure.Cli.Run(pid, "--interval", "0", "--json", "-");
            }
            while (run.ExitCode != 2 && DateTime.UtcNow < deadline);
        });

        Assert.True(run.ExitCode == 2, run.Stderr);
        Assert.StartsWith($"DEADLOCK in the tree of dotnet {tree.Pid}: 1 wait cycle (async-lock-order-inversion).", run.Stderr);
        Assert.NotEmpty(helpers);
        Assert.All(helpers, h => Assert.Equal($"dotnet-view --gap 0 2000 {pid}", h));
    }

    [Fact]
    public void Without_an_interval_an_idle_server_a_timer_loop_and_a_busy_pipeline_are_still_not_flagged()
    {
        using Scenario tree = Scenario.StartScenarioVerbs("async-idle-server", "async-timer-loop", "async-busy-pipeline");
        string root = tree.Pid.ToString(CultureInfo.InvariantCulture);
        // Each of the three has been read by the .NET view (its flows are in the report) before the audits are judged.
        Assert.True(Scenario.WaitUntil(() => ViewedFlows(Infrastructure.Cli.Run(root, "--interval", "0", "--json", "-")) == 3, TimeSpan.FromSeconds(40)), "the view never read all three programs");
        for (int i = 0; i < 5; i++)
        {
            CliRun run = Infrastructure.Cli.Run(root, "--interval", "0", "--json", "-");
            Assert.True(run.ExitCode == 0, run.Stderr);
            using JsonDocument report = JsonDocument.Parse(run.Stdout);
            Assert.Empty(report.RootElement.GetProperty("cycles").EnumerateArray());
            Assert.Empty(report.RootElement.GetProperty("findings").EnumerateArray());
        }
    }

    /// <summary>How many processes of the report had their async flows read.</summary>
    private static int ViewedFlows(CliRun run)
    {
        using JsonDocument report = JsonDocument.Parse(run.Stdout);
        return report.RootElement.GetProperty("processes").EnumerateArray()
            .Count(p => p.GetProperty("runtimeViews").EnumerateArray().Any(v => v.GetString() == "async-flows"));
    }

    /// <summary>The arguments (from dotnet-view on) of every helper process seen while <paramref name="audit"/> runs.</summary>
    private static string[] HelpersWhile(Action audit)
    {
        // Each lives at least as long as its two reads of a heap.
        ConcurrentDictionary<int, string> helpers = new();
        using CancellationTokenSource done = new();
        Thread watching = new(() =>
        {
            while (!done.IsCancellationRequested)
            {
                foreach ((int pid, string[] args) in HelperProcesses())
                {
                    helpers.TryAdd(pid, string.Join(' ', args.SkipWhile(a => a != "dotnet-view")));
                }
                Thread.Sleep(5);
            }
        });
        watching.Start();
        try
        {
            audit();
        }
        finally
        {
            done.Cancel();
            watching.Join(TimeSpan.FromSeconds(10));
        }
        return helpers.Values.ToArray();
    }

    /// <summary>The dotnet-view processes running now, with their arguments.</summary>
    private static IEnumerable<(int Pid, string[] Args)> HelperProcesses()
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }
            string[] args;
            try
            {
                args = File.ReadAllText(Path.Combine(dir, "cmdline")).TrimEnd('\0').Split('\0');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (args.Contains("dotnet-view") && args.Contains(Infrastructure.Cli.ToolDll))
            {
                yield return (pid, args);
            }
        }
    }

    [Fact]
    public void The_dotnet_view_helper_given_bad_arguments_or_a_bad_line_says_so_in_one_line()
    {
        using Scenario tree = Scenario.StartScenarioVerb("lock-order-inversion");
        Assert.True(Scenario.WaitUntil(() => new Auditor().Audit(tree.Pid).Snapshot.FindProcess(tree.Pid)?.Runtime == "dotnet", TimeSpan.FromSeconds(20)), "the scenario never showed as dotnet");
        string pid = tree.Pid.ToString(CultureInfo.InvariantCulture);

        // Nothing on stdin: no process was asked for after all (its caller gave up on them), so nothing to say.
        CliRun empty = Infrastructure.Cli.Run("dotnet-view", "1000", pid);
        Assert.Equal((0, "", ""), (empty.ExitCode, empty.Stdout, empty.Stderr));

        string dir = Directory.CreateTempSubdirectory("procaudit-view-input").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "garbage"), "{ \"pid\": " + pid + " }\n");
            File.WriteAllText(Path.Combine(dir, "other"), $"{tree.Pid + 100_000}\n");
            File.WriteAllText(Path.Combine(dir, "twice"), $"{pid}\n{pid} 1\n");

            CliRun garbage = ViewWithInput(Path.Combine(dir, "garbage"), "1000", pid, pid + "1");
            Assert.Equal(1, garbage.ExitCode);
            Assert.Equal($"procaudit: dotnet-view: a line on stdin is not PID [RUNNING-TID...]: {{ \"pid\": {pid} }}\n", garbage.Stderr);
            Assert.Equal("", garbage.Stdout);

            CliRun other = ViewWithInput(Path.Combine(dir, "other"), "1000", pid);
            Assert.Equal(1, other.ExitCode);
            Assert.Equal($"procaudit: dotnet-view: the line on stdin is for {tree.Pid + 100_000}, which is not one of {pid} or came twice\n", other.Stderr);

            // Two views asked for, the first one's line sent twice: its view comes back once, then the refusal.
            CliRun twice = ViewWithInput(Path.Combine(dir, "twice"), "2000", pid, "999999");
            Assert.Equal(1, twice.ExitCode);
            Assert.Equal($"procaudit: dotnet-view: the line on stdin is for {pid}, which is not one of {pid}, 999999 or came twice\n", twice.Stderr);
            ManagedView view = ReportJson.DeserializeManagedView(Assert.Single(twice.Stdout.TrimEnd('\n').Split('\n')));
            Assert.Equal(tree.Pid, view.Pid);
            Assert.Contains("managed-locks", view.RuntimeViews);
            Assert.Equal(2, view.ManagedLocks.Length);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        foreach (string[] args in new[] { new[] { "dotnet-view" }, ["dotnet-view", "1000"], ["dotnet-view", "soon", pid], ["dotnet-view", "1000", "-5"], ["dotnet-view", "1000", pid, "extra"], ["dotnet-view", "1000", pid, pid], ["dotnet-view", "--gap"], ["dotnet-view", "--gap", "soon", "1000", pid], ["dotnet-view", "--gap", "0", "1000"] })
        {
            CliRun bad = Infrastructure.Cli.Run(args);
            Assert.Equal(1, bad.ExitCode);
            Assert.Equal("procaudit: usage: dotnet-view [--gap MS] BUDGET-MS PID... (a line PID [RUNNING-TID...] on stdin for each); it is run by procaudit itself\n", bad.Stderr);
        }
    }

    /// <summary>The helper with <paramref name="input"/> on its stdin.</summary>
    private static CliRun ViewWithInput(string input, params string[] args) =>
        Infrastructure.Cli.RunProgram("/bin/sh", new[] { "-c", "exec \"$0\" \"$@\" < \"" + input + "\"", Infrastructure.Cli.DotnetHost(), Infrastructure.Cli.ToolDll, "dotnet-view" }.Concat(args).ToArray());
}
