using ProcAudit.Capture.Processes;

namespace ProcAudit.Capture.Phases;

/// <summary>
/// The first phase: which processes make the tree (with those a subreaper adopted from it), and
/// each one's descriptors, threads and command line. The deadline can cut the tree short, but
/// never before the root.
/// </summary>
internal static class TreePhase
{
    /// <returns>False when the root does not exist.</returns>
    /// <param name="context">The capture; its tree, stats and per-process readings are filled here.</param>
    /// <param name="finder">Finds the tree; the holder scan uses it again, with the stats it has read.</param>
    /// <param name="adopter">
    /// A child subreaper (procaudit run): its other children are processes that escaped the
    /// root by double fork and were reparented to it; they belong to the tree.
    /// </param>
    /// <param name="tops">
    /// A scan's trees, instead of the one under the root: the tree under each (the root then only
    /// names the machine, and whose network namespace the sockets are read in).
    /// </param>
    public static bool Run(CaptureContext context, ProcessTreeFinder finder, int? adopter, IReadOnlyList<int>? tops = null)
    {
        if (finder.Stat(context.Root) is null)
        {
            return false;
        }
        List<int> tree = context.Tree;
        HashSet<int> already = new();
        foreach (int top in tops ?? new[] { context.Root })
        {
            tree.AddRange(finder.TreeUnder(top).Where(already.Add));
        }
        if (adopter is int subreaper)
        {
            foreach (int adopted in finder.ChildrenOf(subreaper).Where(pid => !already.Contains(pid)))
            {
                tree.AddRange(finder.TreeUnder(adopted).Where(already.Add));
            }
        }
        foreach (int pid in tree)
        {
            context.Stats.Add(pid, finder.Stat(pid)!);
        }
        context.TreeSet.UnionWith(tree);

        foreach (int pid in tree.ToList())
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            int left = tree.Count - context.Fds.Count;
            if (context.Fds.Count > 0 && context.PastDeadline(left, left == 1 ? "process of the tree" : "processes of the tree"))
            {
                tree.RemoveAll(p => !context.Fds.ContainsKey(p));
                context.TreeSet.IntersectWith(tree);
                break;
            }
            context.Keep(ProcessImage.Read(context, context.Stats[pid]));
        }
        return true;
    }
}
