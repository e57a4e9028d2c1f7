using System.Collections.Immutable;
using ProcAudit.Analysis;

namespace ProcAudit.Tests.Analysis;

/// <summary>
/// The single-threaded SynchronizationContext deadlock on a hand-made .NET process shaped like the scenario program's
/// <c>sync-context-deadlock</c> (the integration tests audit the real one).
/// </summary>
public sealed class SyncContextDeadlockTests
{
    private const int Pid = 700;
    private const int Ui = 709;
    private const string Context = "synccontext:700:0x7f00a368";

    [Fact]
    public void A_thread_blocked_on_a_flow_posted_to_its_own_context_is_a_sync_context_deadlock()
    {
        AnalysisResult result = Analyzer.Analyze(Snapshot([Ui]));

        Assert.Equal(Verdict.Deadlock, result.Verdict);
        Cycle cycle = Assert.Single(result.Cycles);
        Assert.Equal("sync-context-deadlock", cycle.Pattern);
        Assert.Equal(
            "In dotnet 700, thread 709 (ui) blocks in .Result in Shop.Form.OnClick() on async flow Shop.Form.LoadRowsAsync@0, whose continuation was posted to that thread's own " +
            "SynchronizationContext (Shop.UiContext, synccontext:700:0x7f00a368) and waits in its queue for the thread to run it: the thread waits for the flow and the flow for the thread " +
            "(inferred: a single-threaded context runs what is posted to it on its own thread, taken as the one whose SynchronizationContext.Current it is).",
            cycle.Summary);
        Assert.Equal(new[] { (WaitReasons.AsyncWait, Certainty.Observed), (WaitReasons.SyncContext, Certainty.Inferred) }, cycle.Waits.Select(e => (e.Reason, e.Certainty)).Order());
        Assert.Contains(cycle.Waits, e => e.Reason == WaitReasons.SyncContext && e.To == new WaitEnd(Pid, Ui) && e.Object == Context);
    }

    [Fact]
    public void A_context_two_threads_have_installed_gives_no_edge_one_of_them_may_run_the_post()
    {
        AnalysisResult result = Analyzer.Analyze(Snapshot([Ui, 710]));

        Assert.Empty(result.Cycles);
        Assert.DoesNotContain(result.Waits, e => e.Reason == WaitReasons.SyncContext);
    }

    private static Snapshot Snapshot(ImmutableArray<int> owners) => HandMadeDotNet.Alone(HandMadeDotNet.Process(Pid) with
    {
        Threads =
        [
            Thread(Pid, "dotnet", ["System.Threading.Thread.Sleep(Int32)", "Shop.Program.Main(String[])"]),
            Thread(Ui, "ui",
            [
                "System.Threading.Monitor.Wait(Object, Int32)",
                "System.Threading.Tasks.Task.InternalWaitCore(Int32, CancellationToken)",
                "System.Threading.Tasks.Task`1[System.Int32].GetResultCore(Boolean)",
                "Shop.Form.OnClick()",
                "Shop.UiContext.Run()",
            ]),
            Thread(710, "other", ["System.Threading.Monitor.Wait(Object, Int32)", "Shop.UiContext.Run()"]),
        ],
        AsyncFlows =
        [
            new AsyncFlowInfo
            {
                Id = "flow:700:0x7f00b7f0",
                Frames = ["Shop.Form.LoadRowsAsync@0"],
                Awaits = "sync-context",
                WaitsOn = Context,
                BlockedThreads = [Ui],
                ContextType = "Shop.UiContext",
                ContextThreads = owners,
            },
        ],
    });

    private static ThreadInfo Thread(int tid, string name, ImmutableArray<string> stack) => HandMadeDotNet.Thread(tid, name, stack);
}
