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
        CliRun run = Until(tree.Pid, r => r.ExitCode == 6);

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

    /// <summary>The tool's own audit, repeated until the program has reached its hang (it starts, then blocks).</summary>
    private static CliRun Until(int pid, Func<CliRun, bool> formed)
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
