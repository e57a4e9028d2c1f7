using ProcAudit.DotNet.Tests.Infrastructure;

namespace ProcAudit.DotNet.Tests;

/// <summary>Managed stacks through EventPipe, on real hung processes.</summary>
public sealed class CaptureStacksTests
{
    [Fact(Timeout = 120_000)]
    public async Task WaitBeforeDrain_MainThreadIsInProcessWaitForExit()
    {
        await Task.Run(() =>
        {
            using HangingProcess parent = Scenarios.StartWithMainThreadBlocked("wait-before-drain");

            ManagedStacks stacks = DotNetInspector.CaptureStacks(parent.Pid, Scenarios.Budget);

            Assert.True(stacks.Status == CaptureStatus.Captured, $"{stacks.Status}: {string.Join(" | ", stacks.Notes)}");
            Assert.Equal(parent.Pid, stacks.Pid);
            ManagedThreadStack? main = stacks.FindThread(parent.Pid);
            Assert.True(main is not null, $"no stack for the main thread {parent.Pid}; threads: {string.Join(", ", stacks.Threads.Select(static t => t.OsThreadId))}");
            Assert.Contains(main.Frames, static frame => frame.StartsWith("System.Diagnostics.Process.WaitForExit", StringComparison.Ordinal));
            Assert.Contains("ProcAudit.Scenarios.Program.WaitBeforeDrain()", main.Frames);
            Assert.Contains("ProcAudit.Scenarios.Program.Main(String[])", main.Frames);

            // Innermost first: the wait is above the code that called it.
            int wait = main.Frames.IndexOf("System.Diagnostics.Process.WaitForExit()");
            int caller = main.Frames.IndexOf("ProcAudit.Scenarios.Program.WaitBeforeDrain()");
            Assert.True(wait >= 0 && wait < caller, string.Join(" <- ", main.Frames));
        });
    }

    [Fact(Timeout = 120_000)]
    public async Task LockOrderInversion_WorkersAreInMonitorEnter()
    {
        await Task.Run(() =>
        {
            using HangingProcess process = Scenarios.StartBlocked("lock-order-inversion", "worker-a", "worker-b");
            int workerA = ProcThreads.TidByComm(process.Pid, "worker-a")!.Value;
            int workerB = ProcThreads.TidByComm(process.Pid, "worker-b")!.Value;

            ManagedStacks stacks = DotNetInspector.CaptureStacks(process.Pid, Scenarios.Budget);

            Assert.True(stacks.Status == CaptureStatus.Captured, $"{stacks.Status}: {string.Join(" | ", stacks.Notes)}");
            foreach (int tid in new[] { workerA, workerB })
            {
                ManagedThreadStack? stack = stacks.FindThread(tid);
                Assert.True(stack is not null, $"no stack for worker {tid}");
                Assert.StartsWith("System.Threading.Monitor.", stack.Frames[0], StringComparison.Ordinal);
                Assert.Contains("ProcAudit.Scenarios.LockOrderInversion.TakeBoth(Object, Object, Barrier)", stack.Frames);
            }
        });
    }
}
