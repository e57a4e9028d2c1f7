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
        // The modes are read on every core (a statx and a readlink per end, for each process), then applied in order.
        List<int> tree = context.Tree;
        List<(int Fd, string Target)>[] wanted = tree.Select(pid => context.Fds[pid]
            .Where(f => f.Kind == FdKind.Pipe && f.Access is null && f.Inode is ulong inode && awaited.Contains(inode))
            .Select(f => (f.Fd, f.Target)).ToList()).ToArray();
        Dictionary<int, uint>?[] modes = new Dictionary<int, uint>?[tree.Count];
        Cores.For(0, tree.Count, context.CancellationToken, (i, _) => modes[i] = wanted[i].Count == 0 ? null : context.Procfs.LinkModes($"{tree[i]}/fd", wanted[i], verify: context.Look?.ContainsKey(tree[i]) != true));
        for (int i = 0; i < tree.Count; i++)
        {
            if (modes[i] is not Dictionary<int, uint> found)
            {
                continue;
            }
            List<FdInfo> fds = context.Fds[tree[i]];
            for (int j = 0; j < fds.Count; j++)
            {
                FdInfo f = fds[j];
                if (f.Kind == FdKind.Pipe && f.Access is null && f.Inode is ulong inode && awaited.Contains(inode))
                {
                    // No mode (closed or reused meanwhile): the fdinfo is read, as for any pipe end whose link mode is unknown.
                    fds[j] = FdReader.Describe(context, tree[i], f.Fd, f.Target, found.TryGetValue(f.Fd, out uint mode) ? mode : null);
                }
            }
        }
    }
}
