using System.Collections.Concurrent;
using ProcAudit.Capture.Procfs;
using ProcAudit.Capture.Processes;

namespace ProcAudit.Capture.Phases;

/// <summary>
/// The third phase: everyone outside the tree who holds a pipe or socket it waits on. Linux keeps
/// no index from an inode to its holders, so this costs one readlink per fd on the machine, spread
/// over the cores; only the few holders found are then read in full, in pid order, as outsiders.
/// </summary>
internal static class HolderScanPhase
{
    public static void Run(CaptureContext context, ProcessTreeFinder finder, WaitTargets targets)
    {
        if (targets.Pipes.Count == 0 && targets.SocketScan.Count == 0)
        {
            return;
        }
        List<int> candidates = finder.Machine().Where(pid => !context.TreeSet.Contains(pid)).Order().ToList();
        ConcurrentDictionary<int, List<FdLinkEntry>> holding = new();
        bool stoppedEarly = false;
        Parallel.ForEach(candidates, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = context.CancellationToken }, (pid, loop) =>
        {
            if (context.DeadlinePassed)
            {
                stoppedEarly = true;
                loop.Stop();
                return;
            }
            List<FdLinkEntry> links = FdScan.Links(context.Procfs, pid);
            if (FdScan.HoldsAny(links, targets.Pipes, targets.SocketScan))
            {
                holding[pid] = links;
            }
        });
        if (stoppedEarly)
        {
            context.PastDeadline(0, "holders outside the tree (the search stopped early; some holders may be missing)");
        }
        foreach ((int pid, List<FdLinkEntry> links) in holding.OrderBy(kv => kv.Key))
        {
            if (finder.Stat(pid) is not StatRecord stat)
            {
                continue; // exited since its fds were read
            }
            context.Keep(ProcessImage.Read(context, stat, links.Select(l => FdReader.Describe(context, pid, l.Fd, l.Target)).ToList()));
            context.Outsiders.Add(pid);
        }
    }
}
