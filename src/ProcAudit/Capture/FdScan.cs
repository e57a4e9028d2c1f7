using ProcAudit.Capture.Procfs;

namespace ProcAudit.Capture;

/// <summary>One fd of a process and its link text.</summary>
internal readonly record struct FdLinkEntry(int Fd, string Target);

/// <summary>
/// The holder scan's unit of work: readlink every fd of one process. Linux keeps no index from an
/// inode to its holders, so finding who holds a pipe costs one readlink per fd on the machine.
/// </summary>
internal static class FdScan
{
    public static List<FdLinkEntry> Links(ProcfsReader procfs, int pid)
    {
        IReadOnlyList<int> numbers = procfs.ListNumbers($"{pid}/fd", out _);
        List<FdLinkEntry> links = new(numbers.Count);
        foreach (int fd in numbers)
        {
            ProcText link = procfs.ReadLink($"{pid}/fd/{fd}");
            if (link.Ok)
            {
                links.Add(new FdLinkEntry(fd, link.Text!));
            }
        }
        return links;
    }

    public static bool HoldsAny(List<FdLinkEntry> links, HashSet<ulong> pipeInodes) =>
        links.Any(l => l.Target.StartsWith("pipe:[", StringComparison.Ordinal) && FdLink.Classify(l.Target).Inode is ulong ino && pipeInodes.Contains(ino));
}
