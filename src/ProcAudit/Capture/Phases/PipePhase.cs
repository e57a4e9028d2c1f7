using System.Collections.Immutable;

namespace ProcAudit.Capture.Phases;

/// <summary>The fill level and holders of every pipe the tree holds.</summary>
internal static class PipePhase
{
    /// <param name="context">The capture.</param>
    /// <param name="probe">Measures a pipe through one holder's descriptor.</param>
    /// <param name="scanned">The pipes whose holders the holder scan looked for on the whole machine.</param>
    public static ImmutableArray<PipeInfo> Run(CaptureContext context, IPipeProbe probe, HashSet<ulong> scanned)
    {
        Dictionary<int, List<FdInfo>> fds = context.Fds;
        HashSet<int> tree = context.TreeSet;
        ImmutableArray<PipeInfo>.Builder pipes = ImmutableArray.CreateBuilder<PipeInfo>();
        // One pass over every captured fd, not one per pipe: a machine-wide scan holds tens of thousands of each.
        // The tree's pipes are gathered in the same pass (a Distinct and an Order over 36,000 fds allocated as much again).
        Dictionary<ulong, List<Holder>> holdersOf = new();
        HashSet<ulong> ofTree = new();
        foreach ((int pid, List<FdInfo> list) in fds.OrderBy(kv => kv.Key))
        {
            bool inTree = tree.Contains(pid);
            foreach (FdInfo f in list)
            {
                if (f.Kind != FdKind.Pipe || f.Inode is not ulong inode)
                {
                    continue;
                }
                if (!holdersOf.TryGetValue(inode, out List<Holder>? found))
                {
                    holdersOf[inode] = found = new List<Holder>();
                }
                found.Add(new Holder(pid, f.Fd, f.Access switch { "read" => "reader", "write" => "writer", _ => "unknown" }));
                if (inTree)
                {
                    ofTree.Add(inode);
                }
            }
        }
        // A scan probes its pipes on every core, each holder's together (1,600 pipes through 1,280 holders at
        // 16x); the probes are pure, so they run first and the records are built after, in order.
        List<ulong> ordered = ofTree.ToList();
        ordered.Sort();
        Dictionary<ulong, PipeLevel> probed = new();
        if (context.Options.Lean && context.Live && !context.DeadlinePassed)
        {
            List<(ulong Inode, int Pid, int Fd)> wanted = new();
            foreach (ulong inode in ordered)
            {
                if (scanned.Contains(inode) && ProbeHolder.Choose(holdersOf[inode], tree.Contains) is { } v)
                {
                    wanted.Add((inode, v.Pid, v.Fd));
                }
            }
            PipeLevel[] levels = ProbeBatch.Measure(probe, wanted.Select(w => (w.Pid, w.Fd, w.Inode)).ToList(), parallel: true, context.CancellationToken);
            for (int i = 0; i < wanted.Count; i++)
            {
                probed[wanted[i].Inode] = levels[i];
            }
        }
        foreach (ulong inode in ordered)
        {
            List<Holder> holders = holdersOf[inode];
            if (context.Options.Lean && !scanned.Contains(inode))
            {
                // Nobody waits on it: a scan's analysis never asks how full it is.
                pipes.Add(new PipeInfo { Id = $"pipe:[{inode}]", Inode = inode, Holders = holders.ToImmutableArray() });
                continue;
            }
            // Probe through a holder in the tree when there is one: it is the process we may read.
            (int Pid, int Fd)? via = ProbeHolder.Choose(holders, tree.Contains);
            PipeLevel level = via is not { } v ? new PipeLevel(null, null, "no holder left")
                : probed.TryGetValue(inode, out PipeLevel? known) ? known
                : context.PastDeadline(0, "pipe fill levels") ? new PipeLevel(null, null, null)
                : probe.Probe(v.Pid, v.Fd, inode);
            if (level.Problem is not null)
            {
                context.Notes.Add(new Note("unreadable", $"fill level of pipe:[{inode}] unknown: {level.Problem}", via?.Pid));
            }
            pipes.Add(new PipeInfo
            {
                Id = $"pipe:[{inode}]",
                Inode = inode,
                QueuedBytes = level.QueuedBytes,
                CapacityBytes = level.CapacityBytes,
                Holders = holders.ToImmutableArray(),
                HoldersComplete = scanned.Contains(inode),
            });
        }
        return pipes.ToImmutable();
    }
}
