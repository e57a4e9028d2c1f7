using ProcAudit.DotNet.Tests.Infrastructure;

namespace ProcAudit.DotNet.Tests;

/// <summary>Async flows read from the heaps of real programs, hung and healthy.</summary>
public sealed class AsyncFlowTests
{
    private const string Scenario = "ProcAudit.Scenarios.AsyncFlows.";

    [Fact(Timeout = 120_000)]
    public async Task Abba_TwoFlowsEachWaitOnTheSemaphoreTheOtherHolds()
    {
        await Task.Run(() =>
        {
            using HangingProcess process = HangingProcess.StartScenario("async-abba");
            // Formed means both flows at the semaphore in both reads: a first read taken during the Delay before it sees motion.
            AsyncFlows flows = AsyncScenario.ReadUntil(process.Pid, static f => f.Flows.Count(static x => x.Await.Kind == AsyncAwaitKind.Semaphore && x.Motion == FlowMotion.Same) == 2);
            string json = AsyncScenario.Describe(flows, "async-abba");

            List<AsyncFlow> waiting = flows.Flows.Where(static f => f.Await.Kind == AsyncAwaitKind.Semaphore).ToList();
            Assert.True(waiting.Count == 2, json);
            Assert.Equal(2, flows.TotalFlows);
            foreach (AsyncFlow flow in waiting)
            {
                Assert.Equal([Scenario + "BothFlows", "System.Threading.Tasks.Task.WhenAll", Scenario + "Flow"], flow.Frames.Select(static f => f.Method));
                Assert.Equal(FlowMotion.Same, flow.Motion);

                // The main thread is blocked in GetResult on the outermost task: sync-over-async, tied to its thread.
                AsyncBlockedThread blocked = Assert.Single(flow.BlockedThreads);
                Assert.Equal(flow.Frames[0].Address, blocked.TaskAddress);
                Assert.Equal(process.Pid, blocked.OsThreadId);
            }

            Assert.Equal(2, flows.Semaphores.Length);
            Assert.NotEqual(waiting[0].Await.SemaphoreAddress, waiting[1].Await.SemaphoreAddress);
            foreach (AsyncSemaphore semaphore in flows.Semaphores)
            {
                Assert.Equal(0, semaphore.CurrentCount);
                Assert.Null(semaphore.MaxCount);
                AsyncFlow waiter = waiting.Single(f => f.Await.SemaphoreAddress == semaphore.Address);
                AsyncFlow other = waiting.Single(f => f != waiter);
                Assert.Equal(new[] { waiter.Id }, semaphore.WaiterFlowIds.ToArray());

                // The holder is the other flow: each waits on the semaphore the other holds.
                AsyncSemaphoreHolder holder = Assert.Single(semaphore.Holders);
                Assert.Equal(other.Id, holder.FlowId);
                Assert.Equal(Scenario + "Flow", holder.Method);
                Assert.StartsWith("field reference:", holder.Evidence, StringComparison.Ordinal);
            }
        });
    }

    [Fact(Timeout = 120_000)]
    public async Task Promise_AwaitOnATaskCompletionSourceNothingCompletes()
    {
        await Task.Run(() =>
        {
            using HangingProcess process = HangingProcess.StartScenario("async-promise");
            // Formed means at the promise in both reads: a first read taken as the program starts may see the flow before it got there.
            AsyncFlows flows = AsyncScenario.ReadUntil(process.Pid, static f => f.Flows.Any(static x => x.Await.Kind == AsyncAwaitKind.Promise && x.Motion == FlowMotion.Same));
            string json = AsyncScenario.Describe(flows, "async-promise");

            AsyncFlow flow = Assert.Single(flows.Flows, static f => f.Await.Kind == AsyncAwaitKind.Promise);
            Assert.Equal([Scenario + "Request", Scenario + "AwaitReply"], flow.Frames.Select(static f => f.Method));
            Assert.All(flow.Frames, static f => Assert.Equal(0, f.AwaitState));
            Assert.NotNull(flow.Await.PromiseSourceAddress);
            Assert.Equal("System.Threading.Tasks.Task<System.Int32>", flow.Await.TypeName);
            Assert.Empty(flow.BlockedThreads);
            Assert.Equal(FlowMotion.Same, flow.Motion);
            Assert.True(flows.TotalFlows == 1, json);
        });
    }

    [Fact(Timeout = 120_000)]
    public async Task SyncOverAsync_MainThreadBlockedInResultOnAFlow()
    {
        await Task.Run(() =>
        {
            using HangingProcess process = HangingProcess.StartScenario("async-sync-over-async");
            AsyncFlows flows = AsyncScenario.ReadUntil(process.Pid, static f => f.Flows.Any(static x => x.BlockedThreads.Length > 0));
            string json = AsyncScenario.Describe(flows, "async-sync-over-async");

            AsyncFlow flow = Assert.Single(flows.Flows);
            Assert.Equal(AsyncAwaitKind.Promise, flow.Await.Kind);
            AsyncBlockedThread blocked = Assert.Single(flow.BlockedThreads);
            Assert.True(blocked.OsThreadId == process.Pid, json);
            Assert.Equal(flow.Frames[0].Address, blocked.TaskAddress);
        });
    }

    [Fact(Timeout = 120_000)]
    public async Task FullChannel_WriterBlockedAndReaderAwaitsASocketSend()
    {
        await Task.Run(() =>
        {
            using HangingProcess process = HangingProcess.StartScenario("async-full-channel");
            AsyncFlows flows = AsyncScenario.ReadUntil(
                process.Pid,
                static f => f.Flows.Any(static x => x.Await.Kind == AsyncAwaitKind.ChannelWrite) && f.Flows.Any(static x => x.Await.Kind == AsyncAwaitKind.Socket));
            string json = AsyncScenario.Describe(flows, "async-full-channel");

            AsyncFlow writer = Assert.Single(flows.Flows, static f => f.Await.Kind == AsyncAwaitKind.ChannelWrite);
            Assert.Equal(Scenario + "Produce", writer.Innermost.Method);
            AsyncChannel channel = Assert.Single(flows.Channels);
            Assert.Equal(writer.Await.ChannelAddress, channel.Address);
            Assert.Equal(4, channel.Capacity);
            Assert.Equal(4, channel.Count);
            Assert.Equal(new[] { writer.Id }, channel.BlockedWriterFlowIds.ToArray());
            Assert.Empty(channel.BlockedReaderFlowIds);

            AsyncFlow reader = Assert.Single(flows.Flows, static f => f.Await.Kind == AsyncAwaitKind.Socket);
            // No flow waits to read the full channel: the consumer, busy sending, is taken as its reader from its state machine's field.
            AsyncChannelUser taken = Assert.Single(channel.Readers);
            Assert.Equal((reader.Id, Scenario + "Consume"), (taken.FlowId, taken.Method));
            Assert.StartsWith("field reference: ProcAudit.Scenarios.AsyncFlows.Consume holds the channel's Reader in reader ", taken.Evidence, StringComparison.Ordinal);
            Assert.True(reader.Frames.Any(static f => f.Method == Scenario + "Consume"), json);
            Assert.Equal("Send", reader.Await.SocketOperation);
            Assert.NotNull(reader.Await.Fd);
            Assert.StartsWith("socket:", new FileInfo($"/proc/{process.Pid}/fd/{reader.Await.Fd}").LinkTarget ?? string.Empty, StringComparison.Ordinal);
        });
    }

    [Fact(Timeout = 120_000)]
    public async Task PoolStarvation_TheQueuedContinuationsOfTheFlowsEveryPoolThreadBlocksOn()
    {
        await Task.Run(() =>
        {
            using HangingProcess process = HangingProcess.StartScenario("pool-starvation");
            int workers = Environment.ProcessorCount;
            AsyncFlows flows = AsyncScenario.ReadUntil(
                process.Pid,
                f => f.Flows.Count(static x => x.Await.Kind == AsyncAwaitKind.ThreadPool && x.BlockedThreads.Length == 1) == workers && f.ThreadPool?.Motion == FlowMotion.Same);
            string json = AsyncScenario.Describe(flows, "pool-starvation");

            // The pool's own counts: capped at one worker per processor, every worker inside a work item and blocked in it.
            AsyncThreadPool pool = Assert.IsType<AsyncThreadPool>(flows.ThreadPool);
            Assert.True((pool.MaxWorkers, pool.Workers, pool.Processing, pool.Blocked) == (workers, workers, workers, workers), json);
            // Each worker's continuation, and the requests no worker took.
            Assert.Equal(2 * workers, pool.Queued);
            Assert.Equal(
                new[] { new AsyncQueuedWork("continuation of ProcAudit.Scenarios.ThreadPoolScenarios.LoadAsync", workers), new AsyncQueuedWork("task ProcAudit.Scenarios.ThreadPoolScenarios.Starvation(lambda)", workers) },
                pool.QueuedWork.ToArray());
            Assert.Equal(FlowMotion.Same, pool.Motion);

            List<int> blocked = new List<int>();
            foreach (AsyncFlow flow in flows.Flows.Where(static f => f.Await.Kind == AsyncAwaitKind.ThreadPool))
            {
                Assert.Equal(["ProcAudit.Scenarios.ThreadPoolScenarios.LoadAsync"], flow.Frames.Select(static f => f.Method));
                Assert.Contains(flow.Id, pool.QueuedAddresses);
                blocked.Add(Assert.Single(flow.BlockedThreads).OsThreadId!.Value);
            }

            // The threads blocked in .Result on them are the pool's workers.
            Assert.Equal(ProcThreads.Read(process.Pid).Where(static t => t.Comm == ".NET TP Worker").Select(static t => t.Tid).Order(), blocked.Order());
        });
    }

    [Fact(Timeout = 120_000)]
    public async Task SyncContextDeadlock_TheFlowsContinuationSitsInTheQueueOfTheContextItsBlockedThreadOwns()
    {
        await Task.Run(() =>
        {
            using HangingProcess process = HangingProcess.StartScenario("sync-context-deadlock");
            AsyncFlows flows = AsyncScenario.ReadUntil(process.Pid, static f => f.Flows.Any(static x => x.Await.Kind == AsyncAwaitKind.SyncContext && x.Motion == FlowMotion.Same));
            string json = AsyncScenario.Describe(flows, "sync-context-deadlock");
            int ui = ProcThreads.Read(process.Pid).Single(static t => t.Comm == "ui").Tid;

            AsyncFlow flow = Assert.Single(flows.Flows, static f => f.Await.Kind == AsyncAwaitKind.SyncContext);
            Assert.Equal(["ProcAudit.Scenarios.SyncContextScenarios.LoadRowsAsync"], flow.Frames.Select(static f => f.Method));
            Assert.True(Assert.Single(flow.BlockedThreads).OsThreadId == ui, json);

            // The ui thread's context is the scenario's own, owned by that thread alone, and the flow's box is in its queue.
            AsyncSyncContext context = Assert.Single(flows.SyncContexts);
            Assert.Equal(flow.Await.ContextAddress, context.Address);
            Assert.Equal("ProcAudit.Scenarios.SyncContextScenarios+SingleThreadContext", context.TypeName);
            Assert.Equal(new[] { ui }, context.OwnerThreads.ToArray());
            Assert.Equal(new[] { flow.Id }, context.PostedFlowIds.ToArray());
        });
    }

    [Fact(Timeout = 120_000)]
    public async Task IdleServer_AwaitsAccept()
    {
        await Task.Run(() =>
        {
            using HangingProcess process = HangingProcess.StartScenario("async-idle-server");
            AsyncFlows flows = AsyncScenario.ReadUntil(process.Pid, static f => f.Flows.Any(static x => x.Frames.Any(static y => y.Method == Scenario + "Serve")));
            string json = AsyncScenario.Describe(flows, "async-idle-server");

            AsyncFlow flow = Assert.Single(flows.Flows, static f => f.Frames[0].Method == Scenario + "Serve");
            Assert.True(flow.Await.Kind == AsyncAwaitKind.Socket, json);
            Assert.Equal("Accept", flow.Await.SocketOperation);
            Assert.NotNull(flow.Await.Fd);
        });
    }

    [Fact(Timeout = 120_000)]
    public async Task TimerLoop_AwaitsDelayAndMoves()
    {
        await Task.Run(() =>
        {
            using HangingProcess process = HangingProcess.StartScenario("async-timer-loop");
            AsyncFlows flows = AsyncScenario.ReadUntil(process.Pid, static f => f.Flows.Any(static x => x.Frames[0].Method == Scenario + "Tick"));
            string json = AsyncScenario.Describe(flows, "async-timer-loop");

            AsyncFlow flow = Assert.Single(flows.Flows, static f => f.Frames[0].Method == Scenario + "Tick");
            Assert.True(flow.Await.Kind == AsyncAwaitKind.Delay, json);
            Assert.Single(flow.Frames);

            // A new Delay each 50 ms: two reads 500 ms apart never see the same one.
            Assert.Equal(FlowMotion.Moved, flow.Motion);
        });
    }

    [Fact(Timeout = 120_000)]
    public async Task BusyPipeline_FlowsMove()
    {
        await Task.Run(() =>
        {
            using HangingProcess process = HangingProcess.StartScenario("async-busy-pipeline");
            AsyncFlows flows = AsyncScenario.ReadUntil(process.Pid, static f => f.Flows.Any(static x => x.Frames[0].Method == Scenario + "Feed"));
            string json = AsyncScenario.Describe(flows, "async-busy-pipeline");

            List<AsyncFlow> ours = flows.Flows.Where(static f => f.Frames[0].Method.StartsWith(Scenario, StringComparison.Ordinal)).ToList();
            Assert.True(ours.Count >= 1, json);
            Assert.All(ours, f => Assert.True(f.Motion == FlowMotion.Moved, json));
        });
    }
}
