using ProcAudit.Analysis;

namespace ProcAudit.Kinds;

/// <summary>
/// Files, pidfds and other anonymous inodes: a blocking call on one is a wait ProcAudit cannot follow
/// (a FIFO opened by path, a FUSE or network file); in a poll set it is the process's own.
/// </summary>
internal sealed class Unfollowed : IDescriptorKind
{
    public IReadOnlyList<FdKind> FdKinds { get; } = new[] { FdKind.File, FdKind.Pidfd, FdKind.Anon, FdKind.Other };

    public OwnWait OnDescriptor(KindScope scope, ProcessInfo process, FdInfo fd, string call, bool write, string wchan) => Blocked(fd, call, wchan);

    public OwnWait Watched(KindScope scope, ProcessInfo process, FdInfo fd) => Own(fd);

    public static OwnWait Blocked(FdInfo fd, string call, string wchan) =>
        OwnWait.End(WaitEndKind.Unexplained, $"is blocked in {call}({fd.Fd}) on {fd.Target}{wchan}, a wait ProcAudit cannot follow (a FIFO, a FUSE or network file?)");

    public static OwnWait Own(FdInfo fd) => OwnWait.End(WaitEndKind.Internal, $"watches its own {fd.Kind.Name()}");
}
