using ProcAudit.Analysis;

namespace ProcAudit.Kinds;

/// <summary>
/// An epoll instance: a thread in epoll_wait waits on what the instance watches (followed through
/// <see cref="FdInfo.Watches"/> by the poll analysis); an epoll descriptor inside a poll set is the
/// process's own.
/// </summary>
internal sealed class EpollModule : IDescriptorKind
{
    public IReadOnlyList<FdKind> FdKinds { get; } = new[] { FdKind.Eventpoll };

    public bool ListedWithProcess => true;

    public OwnWait OnDescriptor(KindScope scope, ProcessInfo process, FdInfo fd, string call, bool write, string wchan) => Unfollowed.Blocked(fd, call, wchan);

    public OwnWait Watched(KindScope scope, ProcessInfo process, FdInfo fd) => Unfollowed.Own(fd);
}
