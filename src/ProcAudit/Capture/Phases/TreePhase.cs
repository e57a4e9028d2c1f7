using ProcAudit.Capture.Procfs;
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

        if (ParallelReads(context) && tree.Count > 1)
        {
            ReadInParallel(context);
            return true;
        }
        foreach (int pid in tree.ToList())
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            if (context.Fds.Count > 0 && SkipRest(context))
            {
                break;
            }
            context.Keep(ProcessImage.Read(context, context.Stats[pid]));
        }
        return true;
    }

    /// <summary>
    /// A scan reads the processes of its trees on every core: some 2,000 at 16x, each a dozen small files
    /// and its fd links, where the kernel's work is most of the cost and runs on any core. An audit reads
    /// in turn (its trees are small, and its notes keep their order without help).
    /// </summary>
    private static bool ParallelReads(CaptureContext context) => context.Options.Lean && context.Live && Environment.ProcessorCount > 1;

    /// <summary>
    /// The command lines <see cref="ProcessImage.Read"/> left to be read together, in one batch of bounded reads
    /// (a scan's 2,000 each handed to a worker thread and back cost more than reading them).
    /// </summary>
    private static void ReadCmdlinesLeft(CaptureContext context, ProcessReading?[] readings)
    {
        List<int> pids = new();
        for (int i = 1; i < readings.Length; i++)
        {
            if (readings[i] is { } reading && context.Look?.ContainsKey(reading.Stat.Pid) == true)
            {
                if (context.TooLateForBlockingReads(reading.Stat.Pid))
                {
                    context.Cmdlines[reading.Stat.Pid] = new ProcText(null, ReadOutcome.TimedOut);
                }
                else
                {
                    pids.Add(reading.Stat.Pid);
                }
            }
        }
        ProcText[] cmdlines = MemoryBackedFiles.ReadMany(context, pids, "cmdline", ProcessImage.CmdlineLimit);
        for (int i = 0; i < pids.Count; i++)
        {
            context.Cmdlines[pids[i]] = cmdlines[i];
        }
    }

    /// <summary>Past the deadline: the processes not read yet are left out, and a note says how many.</summary>
    private static bool SkipRest(CaptureContext context)
    {
        List<int> tree = context.Tree;
        int left = tree.Count - context.Fds.Count;
        if (!context.PastDeadline(left, left == 1 ? "process of the tree" : "processes of the tree"))
        {
            return false;
        }
        tree.RemoveAll(p => !context.Fds.ContainsKey(p));
        context.TreeSet.IntersectWith(tree);
        return true;
    }

    /// <summary>The root first, as in turn; then the rest spread over the cores, each into a context of its own, taken back in the tree's order.</summary>
    private static void ReadInParallel(CaptureContext context)
    {
        List<int> tree = context.Tree;
        context.Keep(ProcessImage.Read(context, context.Stats[tree[0]]));
        ProcessReading?[] readings = new ProcessReading?[tree.Count];
        CaptureContext?[] scratches = new CaptureContext?[tree.Count];
        Cores.For(1, tree.Count, context.CancellationToken, (i, loop) =>
        {
            if (context.DeadlinePassed)
            {
                loop.Stop();
                return;
            }
            CaptureContext scratch = context.Scratch();
            readings[i] = ProcessImage.Read(scratch, context.Stats[tree[i]], cmdlineLater: true);
            scratches[i] = scratch;
        });
        for (int i = 1; i < readings.Length; i++)
        {
            if (readings[i] is ProcessReading reading)
            {
                context.Merge(scratches[i]!);
                context.Keep(reading);
            }
        }
        ReadCmdlinesLeft(context, readings);
        if (context.Fds.Count < tree.Count)
        {
            SkipRest(context);
        }
    }
}
