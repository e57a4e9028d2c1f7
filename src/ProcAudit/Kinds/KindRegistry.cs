using ProcAudit.Reporting;

namespace ProcAudit.Kinds;

/// <summary>
/// The one list of kind modules. The switches are exhaustive over closed enums (a missing arm is a
/// build error: CS8509 is an error in this project), so a new <see cref="FdKind"/> or
/// <see cref="ObjectKind"/> cannot build until it has its module.
/// </summary>
internal static class KindRegistry
{
    private static readonly PipeModule Pipes = new();
    private static readonly SocketModule Sockets = new();
    private static readonly FileLockModule FileLocks = new();
    private static readonly DeviceModule Devices = new();
    private static readonly NotifierModule Notifiers = new();
    private static readonly EventfdModule Eventfds = new();
    private static readonly EpollModule Epolls = new();
    private static readonly Unfollowed Others = new();

    /// <summary>The report's object kinds, in the order <c>objects[]</c> lists them.</summary>
    public static IReadOnlyList<ObjectKindModule> Objects { get; } = new ObjectKindModule[] { Pipes, Sockets, FileLocks, Eventfds };

    /// <summary>The same, in the order the text report shows their blocks: what is held first, the pipes' levels last.</summary>
    public static IReadOnlyList<ObjectKindModule> Blocks { get; } = new ObjectKindModule[] { FileLocks, Sockets, Pipes, Eventfds };

    /// <summary>The module that explains waits on a descriptor of <paramref name="kind"/>.</summary>
    public static IDescriptorKind ForFd(FdKind kind) => kind switch
    {
        FdKind.Pipe => Pipes,
        FdKind.Socket or FdKind.Tcp or FdKind.Tcp6 or FdKind.Udp or FdKind.Udp6 or FdKind.Unix => Sockets,
        FdKind.Eventpoll => Epolls,
        FdKind.Eventfd => Eventfds,
        FdKind.Timerfd or FdKind.Signalfd or FdKind.Inotify => Notifiers,
        FdKind.Device => Devices,
        FdKind.File or FdKind.Pidfd or FdKind.Anon or FdKind.Other => Others,
    };

    /// <summary>The module that lists and draws objects of <paramref name="kind"/>.</summary>
    public static ObjectKindModule ForObject(ObjectKind kind) => kind switch
    {
        ObjectKind.Pipe => Pipes,
        ObjectKind.Socket or ObjectKind.Tcp or ObjectKind.Tcp6 or ObjectKind.Udp or ObjectKind.Udp6 or ObjectKind.Unix => Sockets,
        ObjectKind.Flock or ObjectKind.Posix or ObjectKind.Ofd or ObjectKind.Lease => FileLocks,
        ObjectKind.Eventfd => Eventfds,
    };

    /// <summary>How an edge reads, from the kind that introduced its reason; null when none did.</summary>
    public static EdgeWords? Words(Analysis.WaitEdge e) => Objects.Select(k => k.Words(e)).FirstOrDefault(w => w is not null);

    /// <summary>How a wait on a stopped process reads, from the kind that introduced its reason; null when none did.</summary>
    public static string? OnStopped(Analysis.WaitEdge e, Analysis.Describe d) => Objects.Select(k => k.OnStopped(e, d)).FirstOrDefault(w => w is not null);

    /// <summary>The descriptor modules, each once.</summary>
    public static IEnumerable<IDescriptorKind> Descriptors => Enum.GetValues<FdKind>().Select(ForFd).Distinct();
}
