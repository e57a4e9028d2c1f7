using ProcAudit.Capture.Processes;

namespace ProcAudit.Capture.Phases;

/// <summary>
/// A lean live capture's pipe ends get their access (read or write) here, once the pipes the tree
/// waits on are known, and only theirs: the analysis asks which end a holder has only of a pipe
/// someone waits on (or watches). A 16x scan holds 36,000 pipe fds, of which a few thousand are
/// such ends; a statx of every one was a fifth of its system calls. Every other pipe end keeps no access.
/// </summary>
internal static class PipeAccessPhase
{
    public static void Run(CaptureContext context, HashSet<ulong> awaited)
    {
        if (!FdReader.DefersAccess(context) || awaited.Count == 0)
        {
            return;
        }
        foreach (int pid in context.Tree)
        {
            List<FdInfo> fds = context.Fds[pid];
            List<(int Fd, string Target)> wanted = fds
                .Where(f => f.Kind == FdKind.Pipe && f.Access is null && f.Inode is ulong inode && awaited.Contains(inode))
                .Select(f => (f.Fd, f.Target)).ToList();
            if (wanted.Count == 0)
            {
                continue;
            }
            Dictionary<int, uint> modes = context.Procfs.LinkModes($"{pid}/fd", wanted);
            for (int i = 0; i < fds.Count; i++)
            {
                FdInfo f = fds[i];
                if (f.Kind == FdKind.Pipe && f.Access is null && f.Inode is ulong inode && awaited.Contains(inode))
                {
                    // No mode (closed or reused meanwhile): the fdinfo is read, as for any pipe end whose link mode is unknown.
                    fds[i] = FdReader.Describe(context, pid, f.Fd, f.Target, modes.TryGetValue(f.Fd, out uint mode) ? mode : null);
                }
            }
        }
    }
}
