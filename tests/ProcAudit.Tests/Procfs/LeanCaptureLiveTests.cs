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

    /// <summary>
    /// A lean capture reads an open file's fdinfo only for its lock lines: with /proc/locks empty it reads none; with a
    /// lock held (here a flock(1) over a sleep, by the tree itself) it reads them, and the lock's holder is found.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task A_lean_capture_reads_an_open_files_fdinfo_only_when_the_machine_holds_a_file_lock()
    {
        string dir = Directory.CreateTempSubdirectory("procaudit-lean-").FullName;
        string file = Path.Combine(dir, "held");
        File.WriteAllText(file, "");
        try
        {
            using (SessionChild plain = SessionChild.Start("/bin/sh", ["-c", $"exec 3>>'{file}'; exec sleep 120"]))
            {
                await Until(() => Comm(plain.Pid) == "sleep");
                // Other processes on the machine (the test host's build among them) take and drop locks: a capture
                // counts only when /proc/locks was empty, or not, both before and after it.
                for (int attempt = 0; ; attempt++)
                {
                    bool noneBefore = NoLocks();
                    FdInfo open = Assert.Single(Capture(plain.Pid, lean: true).FindProcess(plain.Pid)!.Fds, f => f.Fd == 3);
                    bool noneAfter = NoLocks();
                    if (noneBefore == noneAfter)
                    {
                        Assert.Equal(noneBefore ? null : "write", open.Access);
                        break;
                    }
                    Assert.True(attempt < 50, "/proc/locks kept changing during every capture");
                    await Task.Delay(50);
                }
                Assert.Equal("write", Assert.Single(Capture(plain.Pid, lean: false).FindProcess(plain.Pid)!.Fds, f => f.Fd == 3).Access);
            }
            using SessionChild locker = SessionChild.Start("flock", ["-x", file, "sleep", "120"]);
            await Until(() => new ProcfsReader().ReadText("locks").Text?.Contains("FLOCK", StringComparison.Ordinal) == true
                && File.ReadAllText($"/proc/{locker.Pid}/task/{locker.Pid}/children").Trim().Length > 0);
            Snapshot locked = Capture(locker.Pid, lean: true);
            FileLockInfo held = Assert.Single(locked.FileLocks, l => l.Path == file);
            Assert.Equal(locker.Pid, held.Pid);
            Assert.NotNull(Assert.Single(locked.FindProcess(locker.Pid)!.Fds, f => f.Target == file).Access);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Read without a FileStream: .NET flocks each file it opens (its FileShare), so File.ReadAllText would see its own lock.</summary>
    private static bool NoLocks() => new ProcfsReader().ReadText("locks") is { Ok: true, Text: "" };

    private static string Comm(int pid) => File.Exists($"/proc/{pid}/comm") ? File.ReadAllText($"/proc/{pid}/comm").Trim() : "";

    private static async Task Until(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(100);
        }
        Assert.True(condition(), "the tree did not reach the expected state within 20 s");
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
