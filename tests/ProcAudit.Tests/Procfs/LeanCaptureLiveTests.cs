using System.Globalization;
using System.Runtime.InteropServices;
using ProcAudit.Capture;
using ProcAudit.Capture.Procfs;
using ProcAudit.Capture.Syscalls;

namespace ProcAudit.Tests.Procfs;

/// <summary>
/// What a lean capture (a scan's) reads of a thread's wchan, on a real tree: a shell that became
/// `sleep 120` (in clock_nanosleep) over a `cat` blocked opening a FIFO nobody writes. The open keeps
/// its wchan, which tells the analysis the FIFO has no other side; the sleeper's is left unread, where
/// a full capture reads both.
/// </summary>
public sealed class LeanCaptureLiveTests
{
    [Fact(Timeout = 60_000)]
    public async Task A_lean_capture_reads_the_wchan_of_an_open_and_of_nothing_else()
    {
        string dir = Directory.CreateTempSubdirectory("procaudit-lean-").FullName;
        string fifo = Path.Combine(dir, "never-written");
        Assert.Equal(0, mkfifo(fifo, 0x180));
        try
        {
            using SessionChild tree = SessionChild.Start("/bin/sh", ["-c", $"cat '{fifo}' & exec sleep 120"]);
            int cat = await BlockedOpener(tree.Pid);

            Snapshot lean = Capture(tree.Pid, lean: true);
            Snapshot full = Capture(tree.Pid, lean: false);

            ThreadInfo opener = Assert.Single(lean.FindProcess(cat)!.Threads);
            Assert.Equal("openat", opener.Syscall?.Name);
            Assert.Contains(opener.Wchan, new[] { "wait_for_partner", "fifo_open" });
            ThreadInfo sleeper = Assert.Single(lean.FindProcess(tree.Pid)!.Threads);
            Assert.Equal("clock_nanosleep", sleeper.Syscall?.Name);
            Assert.Null(sleeper.Wchan);
            Assert.NotNull(Assert.Single(full.FindProcess(tree.Pid)!.Threads).Wchan);
            Assert.Equal(opener.Wchan, Assert.Single(full.FindProcess(cat)!.Threads).Wchan);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Snapshot Capture(int root, bool lean)
    {
        ProcessTreeCapture capture = new(new ProcfsReader(), new LivePipeProbe(), SyscallTable.Current ?? SyscallArch.X64, live: true,
            new CaptureOptions(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), Redact: false, Lean: lean));
        return capture.Capture(root, DateTimeOffset.UtcNow, null, CancellationToken.None)!;
    }

    /// <summary>The root's child once it waits in the kernel for the FIFO's writer, and the root sleeps (bounded: 20 s).</summary>
    private static async Task<int> BlockedOpener(int root)
    {
        for (int i = 0; i < 200; i++)
        {
            string children = File.Exists($"/proc/{root}/task/{root}/children") ? File.ReadAllText($"/proc/{root}/task/{root}/children").Trim() : "";
            if (children.Length > 0 && int.TryParse(children.Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out int child)
                && File.ReadAllText($"/proc/{child}/wchan") is "wait_for_partner" or "fifo_open"
                && File.ReadAllText($"/proc/{root}/comm").Trim() == "sleep" && File.ReadAllText($"/proc/{root}/wchan").Contains("nanosleep", StringComparison.Ordinal))
            {
                return child;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"no child of {root} came to wait for the FIFO's writer within 20 s");
        return 0;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);
}
