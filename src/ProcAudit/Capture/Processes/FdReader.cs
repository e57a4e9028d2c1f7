using System.Collections.Immutable;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Capture.Processes;

/// <summary>A process's descriptors: the link of each, and from its fdinfo the access mode, epoll watches, locks and eventfd counters.</summary>
internal static class FdReader
{
    public static List<FdInfo> Read(CaptureContext context, int pid)
    {
        List<FdInfo> result = new();
        List<(int Number, string Target, uint? Mode)> links = context.Procfs.ListLinks($"{pid}/fd", null, out ReadOutcome outcome);
        if (outcome == ReadOutcome.Denied)
        {
            context.Deny(pid, "fds");
        }
        foreach ((int fd, string target, uint? mode) in links)
        {
            // A lean live read leaves a pipe end's access for later (PipeAccessPhase): only the ends of the pipes
            // the tree waits on are asked for, a few thousand of a 16x scan's 36,000 pipe fds.
            result.Add(DefersAccess(context) && FdLink.Classify(target) is { Kind: FdKind.Pipe } pipe
                ? new FdInfo { Fd = fd, Kind = FdKind.Pipe, Target = target, Inode = pipe.Inode }
                : Describe(context, pid, fd, target, mode));
        }
        return result;
    }

    /// <summary>True when pipe ends are read without their access, which <see cref="Phases.PipeAccessPhase"/> fills in for the pipes waited on.</summary>
    public static bool DefersAccess(CaptureContext context) => context.Options.Lean && context.Live;

    /// <summary>One fd whose link is known (the holder scan has read it already).</summary>
    /// <param name="context">The capture it is read for.</param>
    /// <param name="pid">Its process.</param>
    /// <param name="fd">Its number.</param>
    /// <param name="target">Its link text.</param>
    /// <param name="linkMode">Its link's mode, when read: a pipe end's access then needs no fdinfo.</param>
    public static FdInfo Describe(CaptureContext context, int pid, int fd, string target, uint? linkMode = null)
    {
        FdTarget t = FdLink.Classify(target);
        FdInfo bare = new() { Fd = fd, Kind = t.Kind, Target = target, Inode = t.Inode };
        if (t.Kind == FdKind.Pipe && linkMode is uint mode && (mode & (Native.Native.S_IRUSR | Native.Native.S_IWUSR)) != 0)
        {
            return bare with
            {
                Access = (mode & (Native.Native.S_IRUSR | Native.Native.S_IWUSR)) switch
                {
                    Native.Native.S_IRUSR => "read",
                    Native.Native.S_IWUSR => "write",
                    _ => "readwrite",
                },
            };
        }
        if (context.Options.Lean && (t.Kind is not (FdKind.Pipe or FdKind.Eventpoll or FdKind.Eventfd or FdKind.File) || t.Kind == FdKind.File && context.NoFileLocks))
        {
            return bare; // a lean capture reads a file's fdinfo for its locks alone
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
