using ProcAudit.Analysis;

namespace ProcAudit.Kinds;

/// <summary>Descriptors the kernel fills for a clock or the world: a timerfd expires by itself; a file change or a signal comes from outside.</summary>
internal sealed class NotifierModule : IDescriptorKind
{
    public IReadOnlyList<FdKind> FdKinds { get; } = new[] { FdKind.Timerfd, FdKind.Inotify, FdKind.Signalfd };

    public OwnWait OnDescriptor(KindScope scope, ProcessInfo process, FdInfo fd, string call, bool write, string wchan) => Watched(scope, process, fd);

    public OwnWait Watched(KindScope scope, ProcessInfo process, FdInfo fd) => fd.Kind switch
    {
        FdKind.Timerfd => OwnWait.End(WaitEndKind.Timer, "waits for a timerfd to expire"),
        FdKind.Inotify => OwnWait.End(WaitEndKind.Outside, "waits for a file change (inotify)"),
        _ => OwnWait.End(WaitEndKind.Outside, "waits for a signal (signalfd)"),
    };
}
