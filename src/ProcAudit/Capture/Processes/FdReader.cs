using System.Collections.Immutable;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Capture.Processes;

/// <summary>A process's descriptors: the link of each, and from its fdinfo the access mode, epoll watches, locks and eventfd counters.</summary>
internal static class FdReader
{
    public static List<FdInfo> Read(CaptureContext context, int pid)
    {
        List<FdInfo> result = new();
        List<(int Number, string Target)> links = context.Procfs.ListLinks($"{pid}/fd", out ReadOutcome outcome);
        if (outcome == ReadOutcome.Denied)
        {
            context.Deny(pid, "fds");
        }
        foreach ((int fd, string target) in links)
        {
            result.Add(Describe(context, pid, fd, target));
        }
        return result;
    }

    /// <summary>One fd whose link is known (the holder scan has read it already).</summary>
    public static FdInfo Describe(CaptureContext context, int pid, int fd, string target)
    {
        FdTarget t = FdLink.Classify(target);
        FdInfo bare = new() { Fd = fd, Kind = t.Kind, Target = target, Inode = t.Inode };
        if (context.Options.Lean && t.Kind is not (FdKind.Pipe or FdKind.Eventpoll or FdKind.Eventfd or FdKind.File))
        {
            return bare;
        }
        ProcText info = context.Procfs.ReadText($"{pid}/fdinfo/{fd}");
        if (!info.Ok || FdInfoFile.Parse(info.Text!) is not FdInfoRecord record)
        {
            return bare;
        }
        if (!record.Locks.IsDefaultOrEmpty)
        {
            context.FdLocks[(pid, fd)] = record.Locks;
        }
        if (record.Eventfd is EventfdCounter counter)
        {
            context.Eventfds[(pid, fd)] = counter;
        }
        return bare with
        {
            Access = record.Access,
            Inode = bare.Inode ?? record.Inode,
            Watches = record.Watches.Select(w => w.Fd).ToImmutableArray(),
        };
    }
}
