using System.Globalization;
using System.Text;
using ProcAudit.Capture;
using ProcAudit.Fixtures;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Tests.Fixtures;

/// <summary>
/// The fixture trees recorded from real hung processes by tools/record-fixtures.sh, read straight
/// from tests/fixtures in the repository. They are not copied to the output directory: a copy
/// would follow (or drop) the fd symlinks, which must stay exactly as recorded.
/// </summary>
internal static class RecordedFixtures
{
    public const string PipeOrderInversion = "pipe-order-inversion-python";
    public const string WaitBeforeDrain = "wait-before-drain-python";
    public const string LeakedWriteEnd = "leaked-write-end-shell";
    public const string ReaderNotReading = "reader-not-reading-shell";
    public const string HostileName = "hostile-name";
    public const string ControlCharName = "control-char-name";
    public const string KernelThread = "kernel-thread";
    public const string ZombieChild = "zombie-child-shell";
    public const string Epoll = "epoll-python";
    public const string BusyLoop = "busy-loop-shell";
    public const string StoppedWriter = "stopped-writer-shell";
    public const string SleepingParent = "sleeping-parent-shell";

    /// <summary>The directory holding ProcAudit.sln.</summary>
    public static string RepoRoot => Repository.Root;

    /// <summary>tests/fixtures/NAME.</summary>
    public static string Dir(string name) => Path.Combine(RepoRoot, "tests", "fixtures", name);

    public static FixtureTree Load(string name) => FixtureTree.Load(Dir(name));

    /// <summary>The pid the fixture was recorded for, from its fixture.json.</summary>
    public static int Root(string name) => Load(name).Root;

    /// <summary>
    /// A recorded /proc file as the capture reads it: raw bytes decoded as UTF-8 (cmdline holds
    /// NULs and control characters, which must reach the parser untouched).
    /// </summary>
    public static string ReadProc(string name, string relative) =>
        Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(Dir(name), "proc", relative)));

    /// <summary>The text of a recorded fd (or exe) symlink, without following it.</summary>
    public static string ReadLink(string name, string relative) =>
        new FileInfo(Path.Combine(Dir(name), "proc", relative)).LinkTarget
            ?? throw new InvalidDataException($"{name}/proc/{relative} is not a symbolic link");

    /// <summary>Every recorded process directory, ascending.</summary>
    public static IReadOnlyList<int> Pids(string name)
    {
        List<int> pids = new();
        foreach (string entry in Directory.EnumerateDirectories(Path.Combine(Dir(name), "proc")))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                pids.Add(pid);
            }
        }
        pids.Sort();
        return pids;
    }

    /// <summary>The recorded stat of a process, parsed; fails the test when it does not parse.</summary>
    public static StatRecord Stat(string name, int pid) =>
        StatFile.Parse(ReadProc(name, $"{pid}/stat")) ?? throw new InvalidDataException($"{name}/proc/{pid}/stat does not parse");

    /// <summary>The single recorded process with this comm: how tests find a pid without hard-coding it.</summary>
    public static int PidByComm(string name, string comm)
    {
        List<int> matches = Pids(name).Where(pid => Stat(name, pid).Comm == comm).ToList();
        if (matches.Count != 1)
        {
            throw new InvalidDataException($"{name} has {matches.Count} processes named {comm}, expected 1");
        }
        return matches[0];
    }

    /// <summary>The recorded processes whose parent is <paramref name="pid"/>, ascending.</summary>
    public static IReadOnlyList<int> ChildrenOf(string name, int pid) =>
        Pids(name).Where(p => Stat(name, p).PPid == pid).ToList();

    /// <summary>The fd through which a recorded process holds <paramref name="target"/> (e.g. "pipe:[70901]").</summary>
    public static int FdOf(string name, int pid, string target)
    {
        string fdDir = Path.Combine(Dir(name), "proc", pid.ToString(CultureInfo.InvariantCulture), "fd");
        List<int> fds = new();
        foreach (string entry in Directory.EnumerateFileSystemEntries(fdDir))
        {
            if (new FileInfo(entry).LinkTarget == target)
            {
                fds.Add(int.Parse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture));
            }
        }
        if (fds.Count != 1)
        {
            throw new InvalidDataException($"{name}: pid {pid} holds {target} as {fds.Count} fds, expected 1");
        }
        return fds[0];
    }
}
