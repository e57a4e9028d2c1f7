using System.Globalization;
using System.Text.Json;
using ProcAudit.IntegrationTests.Infrastructure;

namespace ProcAudit.IntegrationTests.Patterns;

/// <summary>
/// .NET async hangs through the command-line tool: the flows read from the heap join the wait graph, so an
/// async deadlock is a named cycle and an unanswered promise is blocked, never running; an idle async server
/// stays idle.
/// </summary>
public sealed class AsyncFlowVerdictTests
{
    [Fact]
    public void Two_flows_taking_two_semaphores_in_opposite_order_are_an_async_lock_order_inversion()
    {
        using Scenario tree = Scenario.StartScenarioVerb("async-abba");
        CliRun run = Until(tree.Pid, r => r.ExitCode == 2);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"DEADLOCK in the tree of dotnet {tree.Pid}: 1 wait cycle (async-lock-order-inversion).", run.Stderr);
        Assert.Contains("async flow ProcAudit.Scenarios.AsyncFlows.BothFlows@0 > System.Threading.Tasks.Task.WhenAll > ProcAudit.Scenarios.AsyncFlows.Flow@2 awaits SemaphoreSlim 0x", run.Stderr);
        Assert.Contains("held by the first: neither WaitAsync can complete (holders inferred: ", run.Stderr);
        using JsonDocument report = JsonDocument.Parse(run.Stdout);
        JsonElement cycle = report.RootElement.GetProperty("cycles")[0];
        Assert.Equal("async-lock-order-inversion", cycle.GetProperty("pattern").GetString());
        Assert.All(cycle.GetProperty("waits").EnumerateArray(), w =>
        {
            Assert.Equal(("async-lock", "inferred"), (w.GetProperty("reason").GetString(), w.GetProperty("certainty").GetString()));
            Assert.StartsWith($"flow:{tree.Pid}:0x", w.GetProperty("from").GetProperty("flow").GetString());
        });
        JsonElement process = report.RootElement.GetProperty("processes")[0];
        Assert.Equal(2, process.GetProperty("asyncFlows").GetArrayLength());
        Assert.Equal(2, process.GetProperty("asyncLocks").GetArrayLength());
    }

    [Fact]
    public void An_await_on_a_promise_nothing_completes_is_blocked_naming_the_flow_never_running()
    {
        using Scenario tree = Scenario.StartScenarioVerb("async-promise");
        // Formed: the view has read the flow at its promise (an audit as the program starts can be blocked before that).
        CliRun run = Until(tree.Pid, r => r.ExitCode == 6 && r.Stdout.Contains("\"awaits\": \"promise\"", StringComparison.Ordinal));

        Assert.Equal(6, run.ExitCode);
        Assert.Contains("async flow ProcAudit.Scenarios.AsyncFlows.Request@0 > ProcAudit.Scenarios.AsyncFlows.AwaitReply@0 awaits a TaskCompletionSource (promise:", run.Stderr);
    }

    [Fact]
    public void An_idle_async_server_is_idle_waiting_for_a_connection()
    {
        using Scenario tree = Scenario.StartScenarioVerb("async-idle-server");
        CliRun run = Until(tree.Pid, r => r.ExitCode == 0 && r.Stderr.StartsWith("IDLE", StringComparison.Ordinal));

        Assert.StartsWith($"IDLE: nothing in the tree of dotnet {tree.Pid} moved", run.Stderr);
        Assert.Contains("async flow ProcAudit.Scenarios.AsyncFlows.Serve@0 awaits a connection (socket:[", run.Stderr);
    }

    [Fact]
    public async Task Sync_over_async_on_every_thread_pool_thread_is_thread_pool_starvation_with_the_pool_s_counts_and_the_blocking_frame()
    {
        using Scenario tree = Scenario.StartScenarioVerb("pool-starvation");
        CliRun run = Until(tree.Pid, r => r.ExitCode == 3);
        int workers = Environment.ProcessorCount;
        List<int> tids = Workers(tree.Pid);

        Assert.Equal(3, run.ExitCode);
        Assert.StartsWith($"STALLED: the tree of dotnet {tree.Pid} is blocked with no wait cycle (thread-pool-starvation).", run.Stderr);
        Assert.Equal(workers, tids.Count);
        Assert.True(run.Stderr.Contains(
            $"[thread-pool-starvation] In dotnet {tree.Pid}, all {workers} thread-pool threads are blocked and {2 * workers} work items wait in the pool's queue for one " +
            $"({workers} x continuation of ProcAudit.Scenarios.ThreadPoolScenarios.LoadAsync, {workers} x task ProcAudit.Scenarios.ThreadPoolScenarios.Starvation(lambda)): ",
            StringComparison.Ordinal), run.Stderr);
        string threads = workers <= 4 ? $"threads {string.Join(", ", tids.SkipLast(1))} and {tids[^1]}" : $"{workers} threads ({string.Join(", ", tids.Take(3))}, ...)";
        Assert.True(run.Stderr.Contains(
            $"{threads} block in .Result in ProcAudit.Scenarios.ThreadPoolScenarios.HandleRequest(Int32) on async flow ProcAudit.Scenarios.ThreadPoolScenarios.LoadAsync@0, whose continuation waits in that queue. " +
            $"The pool is at its maximum of {workers} threads (ThreadPool.SetMaxThreads, DOTNET_ThreadPool_ForceMaxWorkerThreads) and will add none, so nothing can run the queue: sync-over-async has starved the thread pool.",
            StringComparison.Ordinal), run.Stderr);
        Assert.True(run.Stderr.Contains($"    thread pool: {workers} workers (at most {workers}), {workers} in a work item ({workers} blocked in a wait), {2 * workers} queued: ", StringComparison.Ordinal), run.Stderr);

        using JsonDocument report = JsonDocument.Parse(run.Stdout);
        NJsonSchema.JsonSchema schema = await NJsonSchema.JsonSchema.FromFileAsync(Path.Combine(Repository.Root, "docs", "report.schema.json"));
        Assert.Empty(schema.Validate(run.Stdout).Select(e => e.ToString()));
        Assert.Equal("stalled", report.RootElement.GetProperty("verdict").GetString());
        JsonElement finding = Assert.Single(report.RootElement.GetProperty("findings").EnumerateArray());
        Assert.Equal("thread-pool-starvation", finding.GetProperty("kind").GetString());
        Assert.Equal(new[] { tree.Pid }, finding.GetProperty("pids").EnumerateArray().Select(p => p.GetInt32()));
        JsonElement[] waits = report.RootElement.GetProperty("waits").EnumerateArray().ToArray();
        Assert.Equal(tids, finding.GetProperty("chain").EnumerateArray().Select(i => waits[i.GetInt32()].GetProperty("from").GetProperty("tid").GetInt32()));
        JsonElement process = report.RootElement.GetProperty("processes")[0];
        JsonElement pool = process.GetProperty("threadPool");
        Assert.Equal((workers, workers, workers, workers, 2 * workers, false), (pool.GetProperty("maxWorkers").GetInt32(), pool.GetProperty("workers").GetInt32(),
            pool.GetProperty("processing").GetInt32(), pool.GetProperty("blocked").GetInt32(), pool.GetProperty("queued").GetInt32(), pool.GetProperty("moved").GetBoolean()));
        Assert.All(process.GetProperty("asyncFlows").EnumerateArray(), f => Assert.Equal("thread-pool", f.GetProperty("awaits").GetString()));
        Assert.Equal(tids, process.GetProperty("asyncFlows").EnumerateArray().Select(f => f.GetProperty("blockedThreads")[0].GetInt32()).Order());

        // The Markdown report (a CI job summary) names it too.
        string starvation = $"- **thread-pool-starvation**: In dotnet {tree.Pid}, all {workers} thread-pool threads are blocked";
        Assert.Contains(starvation, Markdown(tree.Pid, 3, starvation));
    }

    [Fact]
    public void A_busy_producer_and_consumer_on_the_same_capped_pool_is_not_starvation()
    {
        using Scenario tree = Scenario.StartScenarioVerb("pool-busy");
        // The pool read (capped like the starved one) shows the view saw it.
        NeverNamed(tree.Pid, "\"threadPool\"", "thread-pool-starvation", (run, report) =>
        {
            Assert.StartsWith($"RUNNING: no deadlock or stall found in the tree of dotnet {tree.Pid}", run.Stderr);
            if (report.RootElement.GetProperty("processes")[0].TryGetProperty("threadPool", out JsonElement pool))
            {
                Assert.Equal(Environment.ProcessorCount, pool.GetProperty("maxWorkers").GetInt32());
            }
        });
    }

    [Fact]
    public async Task A_ui_thread_blocked_in_Result_on_a_flow_posted_back_to_its_own_context_is_a_sync_context_deadlock()
    {
        using Scenario tree = Scenario.StartScenarioVerb("sync-context-deadlock");
        CliRun run = Until(tree.Pid, r => r.ExitCode == 2);
        int ui = Threads(tree.Pid, "ui").Single();

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"DEADLOCK in the tree of dotnet {tree.Pid}: 1 wait cycle (sync-context-deadlock).", run.Stderr);
        Assert.True(run.Stderr.Contains(
            $"[sync-context-deadlock] In dotnet {tree.Pid}, thread {ui} (ui) blocks in .Result in ProcAudit.Scenarios.SyncContextScenarios.OnClick() " +
            "on async flow ProcAudit.Scenarios.SyncContextScenarios.LoadRowsAsync@0, whose continuation was posted to that thread's own SynchronizationContext " +
            $"(ProcAudit.Scenarios.SyncContextScenarios+SingleThreadContext, synccontext:{tree.Pid}:0x",
            StringComparison.Ordinal), run.Stderr);
        Assert.True(run.Stderr.Contains(
            ") and waits in its queue for the thread to run it: the thread waits for the flow and the flow for the thread " +
            "(inferred: a single-threaded context runs what is posted to it on its own thread, taken as the one whose SynchronizationContext.Current it is).",
            StringComparison.Ordinal), run.Stderr);

        using JsonDocument report = JsonDocument.Parse(run.Stdout);
        NJsonSchema.JsonSchema schema = await NJsonSchema.JsonSchema.FromFileAsync(Path.Combine(Repository.Root, "docs", "report.schema.json"));
        Assert.Empty(schema.Validate(run.Stdout).Select(e => e.ToString()));
        JsonElement cycle = Assert.Single(report.RootElement.GetProperty("cycles").EnumerateArray());
        Assert.Equal("sync-context-deadlock", cycle.GetProperty("pattern").GetString());
        JsonElement[] waits = cycle.GetProperty("waits").EnumerateArray().ToArray();
        JsonElement block = Assert.Single(waits, w => w.GetProperty("reason").GetString() == "async-wait");
        JsonElement post = Assert.Single(waits, w => w.GetProperty("reason").GetString() == "sync-context");
        Assert.Equal((ui, "observed"), (block.GetProperty("from").GetProperty("tid").GetInt32(), block.GetProperty("certainty").GetString()));
        Assert.Equal((ui, "inferred"), (post.GetProperty("to").GetProperty("tid").GetInt32(), post.GetProperty("certainty").GetString()));
        JsonElement flow = Assert.Single(report.RootElement.GetProperty("processes")[0].GetProperty("asyncFlows").EnumerateArray());
        Assert.Equal("sync-context", flow.GetProperty("awaits").GetString());
        Assert.Equal("ProcAudit.Scenarios.SyncContextScenarios+SingleThreadContext", flow.GetProperty("contextType").GetString());
        Assert.Equal(new[] { ui }, flow.GetProperty("contextThreads").EnumerateArray().Select(t => t.GetInt32()));
        Assert.Equal(new[] { ui }, flow.GetProperty("blockedThreads").EnumerateArray().Select(t => t.GetInt32()));
        Assert.Equal(post.GetProperty("object").GetString(), flow.GetProperty("waitsOn").GetString());

        string deadlock = $"- **sync-context-deadlock**: In dotnet {tree.Pid}, thread {ui} (ui) blocks in .Result in ProcAudit.Scenarios.SyncContextScenarios.OnClick()";
        Assert.Contains(deadlock, Markdown(tree.Pid, 2, deadlock));
    }

    [Fact]
    public void The_same_ui_thread_whose_awaits_do_not_capture_the_context_is_not_a_deadlock()
    {
        using Scenario tree = Scenario.StartScenarioVerb("sync-context-configured");
        // The ui thread handles a click every 100 ms, blocking in .Result each time.
        NeverNamed(tree.Pid, "\"async-flows\"", "sync-context-deadlock", static (_, _) => { });
    }

    [Fact]
    public async Task A_full_channel_whose_reader_sends_to_a_peer_process_that_never_reads_is_one_chain_writer_channel_reader_socket_peer()
    {
        using Scenario tree = Scenario.StartScenarioVerb("async-channel-peer");
        CliRun run = Until(tree.Pid, r => r.ExitCode == 3 && r.Stderr.Contains("(channel-reader-blocked)", StringComparison.Ordinal));
        int sink = tree.Descendants().Single();

        Assert.Equal(3, run.ExitCode);
        Assert.StartsWith($"STALLED: the tree of dotnet {tree.Pid} is blocked with no wait cycle (channel-reader-blocked).", run.Stderr);
        using JsonDocument report = JsonDocument.Parse(run.Stdout);
        NJsonSchema.JsonSchema schema = await NJsonSchema.JsonSchema.FromFileAsync(Path.Combine(Repository.Root, "docs", "report.schema.json"));
        Assert.Empty(schema.Validate(run.Stdout).Select(e => e.ToString()));
        JsonElement[] flows = report.RootElement.GetProperty("processes").EnumerateArray().Single(p => p.GetProperty("pid").GetInt32() == tree.Pid).GetProperty("asyncFlows").EnumerateArray().ToArray();
        JsonElement writer = flows.Single(f => f.GetProperty("awaits").GetString() == "channel-write");
        JsonElement reader = flows.Single(f => f.GetProperty("awaits").GetString() == "socket");
        int fd = reader.GetProperty("fd").GetInt32();
        string channel = writer.GetProperty("waitsOn").GetString()!;
        Assert.Equal((4, 4), (writer.GetProperty("channelCapacity").GetInt32(), writer.GetProperty("channelCount").GetInt32()));
        Assert.Equal(reader.GetProperty("id").GetString(), Assert.Single(writer.GetProperty("channelReaders").EnumerateArray()).GetProperty("flow").GetString());

        Assert.True(run.Stderr.Contains(
            $"[channel-reader-blocked] In dotnet {tree.Pid}, async flow ProcAudit.Scenarios.AsyncFlows.Produce@0 awaits WriteAsync on a full bounded channel ({channel}, 4/4 items) " +
            $"whose reader, async flow ProcAudit.Scenarios.AsyncFlows.Consume@1, awaits a Send on fd {fd} (127.0.0.1:",
            StringComparison.Ordinal), run.Stderr);
        Assert.True(run.Stderr.Contains($"that the peer, dotnet {sink} fd ", StringComparison.Ordinal), run.Stderr);
        Assert.True(run.Stderr.Contains($"does not read: it waits in System.Threading.Thread.Sleep(Int32) (thread {sink}). Nothing drains the channel until the peer reads " +
            "(the reader inferred: field reference: ProcAudit.Scenarios.AsyncFlows.Consume holds the channel's Reader in reader", StringComparison.Ordinal), run.Stderr);

        // One finding for the whole chain, its edges in order: the writer to the reader, the reader's send to the peer process.
        JsonElement finding = Assert.Single(report.RootElement.GetProperty("findings").EnumerateArray());
        Assert.Equal("channel-reader-blocked", finding.GetProperty("kind").GetString());
        Assert.Equal(new[] { tree.Pid, sink }, finding.GetProperty("pids").EnumerateArray().Select(p => p.GetInt32()));
        JsonElement[] waits = report.RootElement.GetProperty("waits").EnumerateArray().ToArray();
        JsonElement[] chain = finding.GetProperty("chain").EnumerateArray().Select(i => waits[i.GetInt32()]).ToArray();
        Assert.Equal(new[] { "async-channel inferred", "send-full-socket observed" }, chain.Select(w => $"{w.GetProperty("reason").GetString()} {w.GetProperty("certainty").GetString()}"));
        Assert.Equal(writer.GetProperty("id").GetString(), chain[0].GetProperty("from").GetProperty("flow").GetString());
        Assert.Equal(reader.GetProperty("id").GetString(), chain[1].GetProperty("from").GetProperty("flow").GetString());
        Assert.Equal(sink, chain[1].GetProperty("to").GetProperty("pid").GetInt32());
        string blocked = $"- **channel-reader-blocked**: In dotnet {tree.Pid}, async flow ProcAudit.Scenarios.AsyncFlows.Produce@0 awaits WriteAsync";
        Assert.Contains(blocked, Markdown(tree.Pid, 3, blocked));
    }

    [Fact]
    public void A_busy_producer_and_consumer_on_a_small_bounded_channel_is_not_a_blocked_reader()
    {
        using Scenario tree = Scenario.StartScenarioVerb("async-busy-pipeline");
        NeverNamed(tree.Pid, "\"async-flows\"", "channel-reader-blocked", static (_, _) => { });
    }

    /// <summary>Three audits once the .NET view has read the program (<paramref name="ready"/> in the JSON): each exits 0 and none names <paramref name="pattern"/>.</summary>
    private static void NeverNamed(int pid, string ready, string pattern, Action<CliRun, JsonDocument> check)
    {
        CliRun run = Until(pid, r => r.Stdout.Contains(ready, StringComparison.Ordinal));
        for (int i = 0; i < 3; i++)
        {
            Assert.True(run.ExitCode == 0, run.Stderr);
            Assert.DoesNotContain(pattern, run.Stderr);
            using JsonDocument report = JsonDocument.Parse(run.Stdout);
            check(run, report);
            run = Infrastructure.Cli.Run(pid.ToString(CultureInfo.InvariantCulture), "--json", "-");
        }
    }

    /// <summary>The Markdown report of one more audit, which must exit with <paramref name="exitCode"/>.</summary>
    /// <summary>
    /// The Markdown report of an audit through the CLI, once it holds <paramref name="expected"/> with the exit code
    /// (at most 30 s of audits): on a loaded machine one audit's .NET view may run past its budget, which its note says.
    /// </summary>
    private static string Markdown(int pid, int exitCode, string expected)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            string markdown = Path.Combine(Path.GetTempPath(), $"procaudit-{pid}-{Guid.NewGuid():N}.md");
            try
            {
                CliRun md = Infrastructure.Cli.Run(pid.ToString(CultureInfo.InvariantCulture), "--markdown", markdown);
                string text = File.Exists(markdown) ? File.ReadAllText(markdown) : "";
                if ((md.ExitCode == exitCode && text.Contains(expected, StringComparison.Ordinal)) || DateTime.UtcNow > deadline)
                {
                    Assert.Equal(exitCode, md.ExitCode);
                    return text;
                }
            }
            finally
            {
                File.Delete(markdown);
            }
        }
    }

    /// <summary>The threads of a process that carry <paramref name="comm"/>, in tid order.</summary>
    private static List<int> Threads(int pid, string comm) =>
        Directory.EnumerateDirectories($"/proc/{pid}/task")
            .Select(d => (Tid: int.Parse(Path.GetFileName(d), CultureInfo.InvariantCulture), Comm: File.ReadAllText(Path.Combine(d, "comm")).TrimEnd('\n')))
            .Where(t => t.Comm == comm)
            .Select(t => t.Tid)
            .Order()
            .ToList();

    /// <summary>The thread-pool workers of a process, by the name CoreCLR gives them, in tid order.</summary>
    private static List<int> Workers(int pid) => Threads(pid, ".NET TP Worker");

    /// <summary>The tool's own audit, repeated until the program has reached its hang (it starts, then blocks).</summary>
    [Fact]
    public void A_promise_nothing_completes_beside_a_deadlock_in_another_process_is_still_reported()
    {
        // Two hung programs under one shell: the cycle makes the tree a deadlock, and the other process's wait,
        // which no cycle explains, is listed too (it was dropped once a cycle was found).
        using Scenario tree = Scenario.StartScenarioVerbs("async-abba", "async-promise");
        // Both programs start, then block: on a loaded machine a look can come while one of them still moves.
        string headline = $"DEADLOCK in the tree of sh {tree.Pid}: 1 wait cycle (async-lock-order-inversion), and 1 other finding (unexplained-wait).";
        CliRun run = Until(tree.Pid, r => r.ExitCode == 2 && r.Stderr.Contains(headline, StringComparison.Ordinal));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(headline, run.Stderr);
        using JsonDocument report = JsonDocument.Parse(run.Stdout);
        JsonElement finding = Assert.Single(report.RootElement.GetProperty("findings").EnumerateArray());
        Assert.Equal("unexplained-wait", finding.GetProperty("kind").GetString());
        int promised = tree.Descendants().Single(d => File.ReadAllText($"/proc/{d}/cmdline").Contains("async-promise", StringComparison.Ordinal));
        Assert.Equal(promised, finding.GetProperty("pids")[0].GetInt32());
        Assert.Contains($"awaits a TaskCompletionSource (promise:{promised}:0x", finding.GetProperty("summary").GetString());
    }

    internal static CliRun Until(int pid, Func<CliRun, bool> formed)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        CliRun run = Infrastructure.Cli.Run(pid.ToString(CultureInfo.InvariantCulture), "--json", "-");
        while (!formed(run) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(300);
            run = Infrastructure.Cli.Run(pid.ToString(CultureInfo.InvariantCulture), "--json", "-");
        }
        return run;
    }
}
