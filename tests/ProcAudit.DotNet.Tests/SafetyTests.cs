using ProcAudit.DotNet.Tests.Infrastructure;

namespace ProcAudit.DotNet.Tests;

/// <summary>
/// The inspector never stops its target, and fails soft, within its budget and without exceptions on bad targets.
/// "Within its budget" is the inspector's own observation: past the budget a call reports TimedOut instead of
/// the status it found, so a status other than TimedOut under <see cref="DotNetInspector.DefaultBudget"/> says it
/// answered in time, whatever else the machine is doing.
/// </summary>
public sealed class SafetyTests
{
    [Fact(Timeout = 120_000)]
    public async Task Captures_NeverStopTheTarget()
    {
        await Task.Run(() =>
        {
            using HangingProcess process = Scenarios.StartBlocked("monitor-held", "holder", "waiter-1", "waiter-2", "waiter-3");
            ManagedLocks locks;
            ManagedStacks stacks;
            using (StateSampler sampler = new StateSampler(process.Pid))
            {
                locks = DotNetInspector.CaptureLocks(process.Pid, Scenarios.Budget);
                stacks = DotNetInspector.CaptureStacks(process.Pid, Scenarios.Budget);

                // And some rounds after: a stop that lingered past the call would show here.
                int afterCalls = sampler.Samples;
                Assert.True(SpinWait.SpinUntil(() => sampler.Samples >= afterCalls + 20, Scenarios.StartTimeout), $"only {sampler.Samples - afterCalls} samples of the thread states after the calls");
                Assert.Empty(sampler.StoppedLetters);
            }

            Assert.Equal(CaptureStatus.Captured, locks.Status);
            Assert.Equal(CaptureStatus.Captured, stacks.Status);
            Assert.False(locks.Suspended);
            Assert.DoesNotContain(ProcThreads.StateLetters(process.Pid), static letter => letter is 't' or 'T');
        });
    }

    [Fact(Timeout = 60_000)]
    public async Task NotDotNetProcess_GivesNotesQuickly()
    {
        await Task.Run(() =>
        {
            using HangingProcess sleep = HangingProcess.Start("sleep", ["600"]);
            Assert.True(ProcThreads.WaitUntil(() => ProcThreads.Read(sleep.Pid).Any(static t => t.Comm == "sleep"), Scenarios.StartTimeout));

            ManagedStacks stacks = DotNetInspector.CaptureStacks(sleep.Pid, DotNetInspector.DefaultBudget);
            ManagedLocks locks = DotNetInspector.CaptureLocks(sleep.Pid, DotNetInspector.DefaultBudget);

            Assert.Equal(CaptureStatus.NotDotNet, stacks.Status);
            Assert.Equal(CaptureStatus.NotDotNet, locks.Status);
            Assert.Empty(stacks.Threads);
            Assert.Empty(locks.Locks);
            Assert.Contains(stacks.Notes, static note => note.Contains("libcoreclr.so", StringComparison.Ordinal));
            Assert.Contains(locks.Notes, static note => note.Contains("libcoreclr.so", StringComparison.Ordinal));
        });
    }

    [Fact(Timeout = 60_000)]
    public async Task MissingPid_IsGoneQuickly()
    {
        await Task.Run(() =>
        {
            // pid_max itself is never handed out: pids are below it.
            int missing = int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.False(Directory.Exists($"/proc/{missing}"));

            ManagedStacks stacks = DotNetInspector.CaptureStacks(missing, DotNetInspector.DefaultBudget);
            ManagedLocks locks = DotNetInspector.CaptureLocks(missing, DotNetInspector.DefaultBudget);

            Assert.Equal(CaptureStatus.Gone, stacks.Status);
            Assert.Equal(CaptureStatus.Gone, locks.Status);
            Assert.Contains(stacks.Notes, note => note.Contains(missing.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
            Assert.NotEmpty(locks.Notes);
        });
    }

    [Fact(Timeout = 120_000)]
    public async Task DiagnosticsDisabled_StacksUnavailable_LocksStillRead()
    {
        await Task.Run(() =>
        {
            Dictionary<string, string> environment = new Dictionary<string, string> { ["DOTNET_EnableDiagnostics"] = "0" };
            using HangingProcess process = HangingProcess.StartScenario("lock-order-inversion", environment);
            Assert.True(
                ProcThreads.WaitUntilBlocked(process.Pid, static t => t.Comm is "worker-a" or "worker-b", 2, Scenarios.Quiet, Scenarios.StartTimeout),
                Scenarios.Describe(process.Pid));

            ManagedStacks stacks = DotNetInspector.CaptureStacks(process.Pid, DotNetInspector.DefaultBudget);
            Assert.Equal(CaptureStatus.Unavailable, stacks.Status);
            Assert.Contains(stacks.Notes, static note => note.Contains("DOTNET_EnableDiagnostics=0", StringComparison.Ordinal));

            // ClrMD reads memory and needs no diagnostics port.
            ManagedLocks locks = DotNetInspector.CaptureLocks(process.Pid, Scenarios.Budget);
            Assert.True(locks.Status == CaptureStatus.Captured, $"{locks.Status}: {string.Join(" | ", locks.Notes)}");
            Assert.Equal(2, locks.Locks.Count(static l => l.Waiters.Length == 1));
        });
    }

    [Fact(Timeout = 120_000)]
    public async Task TinyBudget_TimesOutOnTime_AndLeavesTheTargetInspectable()
    {
        await Task.Run(() =>
        {
            using HangingProcess parent = Scenarios.StartWithMainThreadBlocked("wait-before-drain");

            ManagedStacks abandoned = DotNetInspector.CaptureStacks(parent.Pid, TimeSpan.FromMilliseconds(1));
            ManagedLocks abandonedLocks = DotNetInspector.CaptureLocks(parent.Pid, TimeSpan.Zero);

            // No capture finishes in a millisecond: had the call waited for the work, it would say Captured.
            // TimedOut, with the budget named, is the call giving up at its budget.
            Assert.Equal(CaptureStatus.TimedOut, abandoned.Status);
            Assert.Equal(CaptureStatus.TimedOut, abandonedLocks.Status);
            Assert.Contains(abandoned.Notes, static note => note.Contains("within the 1 ms budget", StringComparison.Ordinal));
            Assert.Contains(abandonedLocks.Notes, static note => note.Contains("within the 0 ms budget", StringComparison.Ordinal));

            // The abandoned session must not spoil the next one.
            ManagedStacks stacks = DotNetInspector.CaptureStacks(parent.Pid, Scenarios.Budget);
            Assert.True(stacks.Status == CaptureStatus.Captured, $"{stacks.Status}: {string.Join(" | ", stacks.Notes)}");
            Assert.NotNull(stacks.FindThread(parent.Pid));

            // Nor may the abandoned lock read still be inside the DAC when the target is killed at the end of the test:
            // a full read waits its turn behind it (one attach at a time), so once it returns, the abandoned one is done.
            ManagedLocks after = DotNetInspector.CaptureLocks(parent.Pid, Scenarios.Budget);
            Assert.Equal(CaptureStatus.Captured, after.Status);
        });
    }

    [Fact(Timeout = 120_000)]
    public async Task TargetExitingDuringTheSession_IsGoneNotAnException()
    {
        await Task.Run(() =>
        {
            HangingProcess parent = Scenarios.StartWithMainThreadBlocked("wait-before-drain");
            try
            {
                // Warm up this process's EventPipe code, so that the kill below lands inside the sampling window.
                Assert.Equal(CaptureStatus.Captured, DotNetInspector.CaptureStacks(parent.Pid, Scenarios.Budget).Status);

                Task<ManagedStacks> capture = Task.Run(() => DotNetInspector.CaptureStacks(parent.Pid, Scenarios.Budget));
                Thread.Sleep(50);
                parent.Dispose();
                ManagedStacks stacks = capture.GetAwaiter().GetResult();

                Assert.True(stacks.Status == CaptureStatus.Gone, $"{stacks.Status}: {string.Join(" | ", stacks.Notes)}");
                Assert.NotEmpty(stacks.Notes);
            }
            finally
            {
                parent.Dispose();
            }
        });
    }

    [Fact(Timeout = 60_000)]
    public async Task CallerCancellation_Throws()
    {
        await Task.Run(() =>
        {
            using CancellationTokenSource cancelled = new CancellationTokenSource();
            cancelled.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => DotNetInspector.CaptureStacks(Environment.ProcessId, Scenarios.Budget, cancelled.Token));
            Assert.ThrowsAny<OperationCanceledException>(() => DotNetInspector.CaptureLocks(Environment.ProcessId, Scenarios.Budget, cancelled.Token));
        });
    }
}
