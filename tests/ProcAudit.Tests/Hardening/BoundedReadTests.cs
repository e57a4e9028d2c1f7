using System.Runtime.InteropServices;
using ProcAudit.Capture;
using ProcAudit.Fixtures;
using ProcAudit.Tests.Fixtures;

namespace ProcAudit.Tests.Hardening;

/// <summary>
/// The audit never hangs: a /proc read that blocks (cmdline of a process stuck in the kernel) is
/// abandoned after its bound, and the whole audit has a deadline. A FIFO in place of a recorded
/// file blocks exactly like such a read: opening it waits for a writer that never comes.
/// </summary>
public sealed class BoundedReadTests
{
    // The FIFO never gets a writer: an audit that waited for the read would never return, and the Timeout
    // fails the test instead of hanging the run.
    [Fact(Timeout = 60_000)]
    public async Task A_cmdline_read_that_blocks_is_abandoned_with_a_note_and_the_rest_of_the_report_is_intact()
    {
        string dir = CopyFixture("reader-not-reading-shell");
        FixtureTree tree = FixtureTree.Load(dir);
        int yes = RecordedFixtures.PidByComm("reader-not-reading-shell", "yes");
        string cmdline = Path.Combine(dir, "proc", yes.ToString(System.Globalization.CultureInfo.InvariantCulture), "cmdline");
        File.Delete(cmdline);
        Assert.Equal(0, mkfifo(cmdline, 0x180));
        try
        {
            AuditResult result = await Task.Run(() => tree.Audit(new AuditOptions { ReadTimeout = TimeSpan.FromMilliseconds(300) }));

            // The audit's own word that it gave the read its bound and no more.
            Note note = Assert.Single(result.Snapshot.Notes, n => n.Kind == "timeout");
            Assert.Equal(yes, note.Pid);
            Assert.Contains($"reading /proc/{yes}/cmdline did not finish within 300 ms", note.Message);
            ProcessInfo stuck = result.Snapshot.FindProcess(yes)!;
            Assert.Empty(stuck.Cmdline);
            // Everything else was still read and analysed.
            Assert.Equal(new[] { "sh", "-c", "yes | sleep 600" }, result.Snapshot.FindProcess(tree.Root)!.Cmdline);
            Assert.Equal("reader-not-reading", Assert.Single(result.Analysis.Findings).Kind);
        }
        finally
        {
            ReleaseBlockedReader(cmdline);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Past_the_deadline_the_root_is_still_reported_and_a_note_says_what_was_skipped()
    {
        FixtureTree tree = RecordedFixtures.Load("reader-not-reading-shell");

        AuditResult result = tree.Audit(new AuditOptions { Deadline = TimeSpan.FromTicks(1) });

        Assert.Equal(tree.Root, Assert.Single(result.Snapshot.Processes).Pid);
        Note note = Assert.Single(result.Snapshot.Notes, n => n.Kind == "timeout");
        Assert.Equal("the audit reached its deadline (0 s): skipped 2 processes of the tree", note.Message);
    }

    private static string CopyFixture(string name)
    {
        string source = RecordedFixtures.Dir(name);
        string target = Path.Combine(Path.GetTempPath(), $"procaudit-fixture-{Guid.NewGuid():N}");
        foreach (string path in Directory.EnumerateFileSystemEntries(source, "*", SearchOption.AllDirectories))
        {
            string dest = Path.Combine(target, Path.GetRelativePath(source, path));
            FileSystemInfo info = new FileInfo(path);
            if (info.LinkTarget is string link)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
                File.CreateSymbolicLink(dest, link);
            }
            else if (Directory.Exists(path))
            {
                Directory.CreateDirectory(dest);
            }
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
                File.Copy(path, dest);
            }
        }
        return target;
    }

    /// <summary>Opens the FIFO for writing, which lets the abandoned reader's open return, then closes it (EOF).</summary>
    private static void ReleaseBlockedReader(string fifo)
    {
        int fd = open(fifo, 0x1 | 0x800); // O_WRONLY | O_NONBLOCK: succeeds only while a reader waits
        if (fd >= 0)
        {
            close(fd);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int open(string path, int flags);

    [DllImport("libc")]
    private static extern int close(int fd);
}
