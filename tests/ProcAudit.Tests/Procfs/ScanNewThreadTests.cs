using ProcAudit.Capture;
using ProcAudit.Capture.Procfs;
using ProcAudit.Capture.Syscalls;
using ProcAudit.Scanning;
using ProcAudit.TestSupport;

namespace ProcAudit.Tests.Procfs;

/// <summary>
/// A scan reads each process's threads as its look listed them, so a thread made after that look is not in
/// the full read: the last look sees it, and the process then counts as moved (ScanCapture.Grew). On a real
/// python3 that sleeps in its one thread and, two seconds in, starts a second.
/// </summary>
public sealed class ScanNewThreadTests
{
    private const string Program = "import threading, time\ntime.sleep(2)\nthreading.Thread(target=time.sleep, args=(60,)).start()\ntime.sleep(60)\n";

    [Fact(Timeout = 60_000)]
    public async Task A_thread_made_after_the_full_read_marks_its_process_moved_and_none_is_marked_before()
    {
        using SessionChild child = SessionChild.Start("python3", ["-c", Program]);
        ProcfsReader procfs = new();
        await Until(() => ThreadCount(child.Pid) == 1 && Sleeping(child.Pid));

        Snapshot read = Capture(child.Pid);
        Assert.Single(read.FindProcess(child.Pid)!.Threads);
        Assert.Empty(ScanCapture.Grew(read, MachineSample.Read(procfs, [child.Pid], CancellationToken.None)));

        await Until(() => ThreadCount(child.Pid) == 2);
        Assert.Equal([child.Pid], ScanCapture.Grew(read, MachineSample.Read(procfs, [child.Pid], CancellationToken.None)));
    }

    private static Snapshot Capture(int root) =>
        new ProcessTreeCapture(new ProcfsReader(), new LivePipeProbe(), SyscallTable.Current ?? SyscallArch.X64, live: true,
            new CaptureOptions(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), Redact: false, Lean: true))
            .Capture(root, DateTimeOffset.UtcNow, null, CancellationToken.None)!;

    private static int ThreadCount(int pid) => Directory.Exists($"/proc/{pid}/task") ? Directory.GetDirectories($"/proc/{pid}/task").Length : 0;

    /// <summary>In clock_nanosleep (230 on x86-64, 115 on arm64): python's time.sleep.</summary>
    private static bool Sleeping(int pid) =>
        File.Exists($"/proc/{pid}/syscall") && File.ReadAllText($"/proc/{pid}/syscall").Split(' ')[0] is "230" or "115";

    /// <summary>Polls every 20 ms, bounded at 20 s.</summary>
    private static async Task Until(Func<bool> condition)
    {
        for (int i = 0; i < 1000 && !condition(); i++)
        {
            await Task.Delay(20);
        }
        Assert.True(condition(), "the python3 child did not reach the expected state in 20 s");
    }
}
