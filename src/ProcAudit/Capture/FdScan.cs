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
    public static List<FdLinkEntry> Links(ProcfsReader procfs, int pid) =>
        procfs.ListLinks($"{pid}/fd").Select(l => new FdLinkEntry(l.Number, l.Target)).ToList();

    /// <summary>True when one of the links is a pipe or socket of interest (pipefs and sockfs number inodes apart, hence two sets).</summary>
    public static bool HoldsAny(List<FdLinkEntry> links, HashSet<ulong> pipeInodes, HashSet<ulong>? socketInodes = null)
    {
        foreach (FdLinkEntry l in links)
        {
            FdTarget t = FdLink.Classify(l.Target);
            if (t.Inode is ulong ino && ((t.Kind == FdKind.Pipe && pipeInodes.Contains(ino)) || (t.Kind == FdKind.Socket && socketInodes?.Contains(ino) == true)))
            {
                return true;
            }
        }
        return false;
    }
}
