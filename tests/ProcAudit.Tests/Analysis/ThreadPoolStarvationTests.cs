using System.Collections.Immutable;
using ProcAudit.Analysis;

namespace ProcAudit.Tests.Analysis;

/// <summary>
/// Thread-pool starvation on a hand-made .NET process shaped like the scenario program's <c>pool-starvation</c> (the
/// integration tests audit the real one): it is named only when every worker is blocked, none moved or idles, and the
/// queue held still.
/// </summary>
public sealed class ThreadPoolStarvationTests
{
    private const int Pid = 500;

    private static readonly ImmutableArray<string> s_resultStack =
    [
        "System.Threading.Monitor.Wait(Object, Int32)",
        "System.Threading.ManualResetEventSlim.Wait(Int32, CancellationToken)",
        "System.Threading.Tasks.Task.SpinThenBlockingWait(Int32, CancellationToken)",
        "System.Threading.Tasks.Task.InternalWaitCore(Int32, CancellationToken)",
        "System.Threading.Tasks.Task`1[System.Int32].GetResultCore(Boolean)",
        "Shop.Orders.Handle(Int32)",
        "System.Threading.ThreadPoolWorkQueue.Dispatch()",
    ];

    [Fact]
    public void Every_worker_blocked_in_Result_on_a_queued_continuation_is_thread_pool_starvation()
    {
        AnalysisResult result = Analyzer.Analyze(Starved());

        Assert.Equal(Verdict.Stalled, result.Verdict);
        Finding f = Assert.Single(result.Findings);
        Assert.Equal("thread-pool-starvation", f.Kind);
        Assert.Equal(new[] { Pid }, f.Pids.ToArray());
        Assert.Equal(
            "In dotnet 500, all 2 thread-pool threads are blocked and 4 work items wait in the pool's queue for one (2 x continuation of Shop.Orders.LoadAsync, 2 x task Shop.Orders.Run(lambda)): " +
            "threads 501 and 502 block in .Result in Shop.Orders.Handle(Int32) on async flow Shop.Orders.LoadAsync@0, whose continuation waits in that queue. " +
            "The pool is at its maximum of 2 threads (ThreadPool.SetMaxThreads, DOTNET_ThreadPool_ForceMaxWorkerThreads) and will add none, so nothing can run the queue: sync-over-async has starved the thread pool.",
            f.Summary);
        Assert.Equal([501, 502], f.Waits.Select(e => e.From.Tid!.Value));
        Assert.All(f.Waits, e => Assert.Equal(WaitReasons.AsyncWait, e.Reason));
        // The flows' waits lead back to the blocked workers: never an end that could wake them.
        Assert.All(result.Ends, e => Assert.NotEqual(WaitEndKind.Moved, e.End));
    }

    [Fact]
    public void A_pool_below_its_maximum_is_still_starved_but_says_it_may_grow()
    {
        Snapshot s = Starved();
        s = s with { Processes = [s.Processes[0] with { ThreadPool = s.Processes[0].ThreadPool! with { MaxWorkers = 32767 } }] };

        Finding f = Assert.Single(Analyzer.Analyze(s).Findings);

        Assert.Contains("The pool is below its maximum of 32767 but adds threads only slowly while starved", f.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void An_idle_worker_waiting_for_work_with_a_time_limit_means_the_pool_is_not_starved()
    {
        Snapshot s = Starved();
        ProcessInfo p = s.Processes[0];
        ThreadInfo idle = Worker(503) with { ManagedStack = [], Syscall = Futex() with { Timer = new WaitTimer(20, false, 19) } };
        s = s with { Processes = [p with { Threads = p.Threads.Add(idle), ThreadPool = p.ThreadPool! with { Workers = 3 } }] };

        Assert.DoesNotContain(Analyzer.Analyze(s).Findings, f => f.Kind == "thread-pool-starvation");
    }

    [Fact]
    public void A_queue_that_changed_between_the_reads_or_a_worker_that_moved_is_not_starvation()
    {
        Snapshot s = Starved();
        ProcessInfo p = s.Processes[0];
        Snapshot queueMoved = s with { Processes = [p with { ThreadPool = p.ThreadPool! with { Moved = true } }] };
        Snapshot workerMoved = s with { Processes = [p with { Threads = p.Threads.SetItem(1, p.Threads[1] with { Progress = new ThreadProgress(3, 10, false) }) }] };

        Assert.DoesNotContain(Analyzer.Analyze(queueMoved).Findings, f => f.Kind == "thread-pool-starvation");
        Assert.DoesNotContain(Analyzer.Analyze(workerMoved).Findings, f => f.Kind == "thread-pool-starvation");
    }

    private static Snapshot Starved() => HandMadeDotNet.Alone(HandMadeDotNet.Process(Pid) with
    {
        Threads = [HandMadeDotNet.Thread(Pid, "dotnet", []), Worker(501), Worker(502)],
        AsyncFlows = [Flow(0x1000, 501), Flow(0x2000, 502)],
        ThreadPool = new ThreadPoolInfo
        {
            MaxWorkers = 2,
            MinWorkers = 2,
            Workers = 2,
            Processing = 2,
            Blocked = 2,
            Queued = 4,
            QueuedWork = ["2 x continuation of Shop.Orders.LoadAsync", "2 x task Shop.Orders.Run(lambda)"],
        },
    });

    private static ThreadInfo Worker(int tid) => HandMadeDotNet.Thread(tid, ".NET TP Worker", s_resultStack);

    private static SyscallInfo Futex() => HandMadeDotNet.Futex();

    private static AsyncFlowInfo Flow(ulong box, int blocked) => new()
    {
        Id = $"flow:{Pid}:0x{box:x}",
        Frames = ["Shop.Orders.LoadAsync@0"],
        Awaits = "thread-pool",
        BlockedThreads = [blocked],
    };
}
