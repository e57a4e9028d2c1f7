using System.Globalization;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Tests.Procfs;

/// <summary>
/// ProcfsReader on the live /proc of a real python3 child holding 1,200 descriptors and 3 threads: a
/// one-record file read without its last read (the one that returns 0) is still whole, and an fd/
/// directory that takes several getdents64 calls, or one with room to spare, is listed whole.
/// </summary>
public sealed class ProcfsReaderLiveTests
{
    // 1,200 entries of 24 bytes fill the 16 KiB dirent buffer about twice: the listing must go on past a full buffer.
    private const string Script = "import os, threading, time\n"
        + "fds = [os.open('/dev/null', os.O_RDONLY) for _ in range(1200)]\n"
        + "for _ in range(2): threading.Thread(target=time.sleep, args=(120,), daemon=True).start()\n"
        + "print(len(fds), flush=True)\n"
        + "time.sleep(120)\n";

    [Theory]
    [InlineData("12/stat", true)]
    [InlineData("12/task/13/stat", true)]
    [InlineData("12/task/13/schedstat", true)]
    [InlineData("12/task/13/syscall", true)]
    [InlineData("12/task/13/wchan", true)]
    [InlineData("12/status", true)]
    [InlineData("thread-self/sched", true)]
    [InlineData("12/fdinfo/4", true)]
    [InlineData("12/maps", false)]
    [InlineData("12/cmdline", false)]
    [InlineData("12/net/unix", false)]
    [InlineData("12/fd/4", false)]
    [InlineData("stat", false)]
    [InlineData("12/stat/x", false)]
    public void OnlySingleOpenFilesEndOnAShortRead(string relative, bool oneRecord)
    {
        Assert.Equal(oneRecord, OneRecordFiles.Holds(relative));
    }

    [Fact(Timeout = 60_000)]
    public async Task OneRecordFilesOfASleepingProcessReadWhole()
    {
        using SessionChild python = await Started();
        ProcfsReader procfs = new();
        int pid = python.Pid;
        string tid = Directory.GetDirectories($"/proc/{pid}/task").Select(Path.GetFileName).First(t => t != pid.ToString(CultureInfo.InvariantCulture))!;

        await Settled($"/proc/{pid}/task/{tid}/syscall");

        // What does not change while it sleeps: each must come back byte for byte as a read to the end gives it.
        foreach (string file in new[] { $"{pid}/stat", $"{pid}/status", $"{pid}/task/{tid}/stat", $"{pid}/task/{tid}/schedstat", $"{pid}/task/{tid}/syscall", $"{pid}/task/{tid}/wchan", $"{pid}/fdinfo/100" })
        {
            Assert.True(OneRecordFiles.Holds(file), file);
            ProcText read = procfs.ReadText(file);
            Assert.Equal(ReadOutcome.Ok, read.Outcome);
            Assert.Equal(File.ReadAllText("/proc/" + file), read.Text);
        }
        // Its status is over 1 KiB: with a limit below that, the reads stop at the limit, not at a short read.
        Assert.Equal(File.ReadAllText($"/proc/{pid}/status")[..300], procfs.ReadText($"{pid}/status", 300).Text);
    }

    [Fact(Timeout = 60_000)]
    public async Task DirectoriesOfEverySizeAreListedWhole()
    {
        using SessionChild python = await Started();
        ProcfsReader procfs = new();
        int pid = python.Pid;

        IReadOnlyList<int> fds = procfs.ListNumbers($"{pid}/fd", out ReadOutcome fdOutcome);
        IReadOnlyList<int> tids = procfs.ListNumbers($"{pid}/task", out ReadOutcome taskOutcome);
        List<(int Number, string Target)> links = procfs.ListLinks($"{pid}/fd");

        Assert.Equal(ReadOutcome.Ok, fdOutcome);
        Assert.Equal(ReadOutcome.Ok, taskOutcome);
        Assert.Equal(Numbers($"/proc/{pid}/fd"), fds);
        Assert.True(fds.Count >= 1203, $"{fds.Count} fds"); // the 1,200 it opened, and stdin, stdout and stderr
        Assert.Equal(fds.Select(fd => (fd, new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget!)), links);
        Assert.True(links.Count(l => l.Target == "/dev/null") >= 1200);
        Assert.Equal(Numbers($"/proc/{pid}/task"), tids);
        Assert.Equal(3, tids.Count);
    }

    /// <summary>The python3 child, once it has opened its descriptors and started its threads.</summary>
    private static async Task<SessionChild> Started()
    {
        SessionChild python = SessionChild.Start(Prerequisites.Python3(), ["-c", Script]);
        try
        {
            string? line = await python.Process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal("1200", line);
            return python;
        }
        catch
        {
            python.Dispose();
            throw;
        }
    }

    /// <summary>Until the thread has gone to sleep: its syscall file reads the same twice, 100 ms apart.</summary>
    private static async Task Settled(string syscall)
    {
        string last = File.ReadAllText(syscall);
        for (int i = 0; i < 100; i++)
        {
            await Task.Delay(100);
            string now = File.ReadAllText(syscall);
            if (now == last)
            {
                return;
            }
            last = now;
        }
        Assert.Fail($"{syscall} kept changing for 10 s");
    }

    private static List<int> Numbers(string directory) =>
        Directory.EnumerateFileSystemEntries(directory).Select(e => int.Parse(Path.GetFileName(e), CultureInfo.InvariantCulture)).Order().ToList();
}
