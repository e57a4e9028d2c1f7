namespace ProcAudit;

/// <summary>
/// What a descriptor refers to, from the link text of /proc/PID/fd/N (proc_pid_fd(5)). A closed set:
/// each member has one module in <c>src/ProcAudit/Kinds</c> that says what a wait on it means, and
/// the compiler points at every place a new member must be handled. Written in JSON as the
/// member's name in lower case (<c>pipe</c>, <c>tcp6</c>, <c>eventpoll</c>), as it always was.
/// </summary>
public enum FdKind
{
    /// <summary>An anonymous pipe or a FIFO (<c>pipe:[N]</c>).</summary>
    Pipe,

    /// <summary>A socket whose family was not (yet) resolved from the socket tables.</summary>
    Socket,

    /// <summary>A TCP socket over IPv4.</summary>
    Tcp,

    /// <summary>A TCP socket over IPv6.</summary>
    Tcp6,

    /// <summary>A UDP socket over IPv4.</summary>
    Udp,

    /// <summary>A UDP socket over IPv6.</summary>
    Udp6,

    /// <summary>A unix domain socket.</summary>
    Unix,

    /// <summary>An epoll instance.</summary>
    Eventpoll,

    /// <summary>An eventfd counter (eventfd(2)).</summary>
    Eventfd,

    /// <summary>A timer (timerfd_create(2)).</summary>
    Timerfd,

    /// <summary>A signal queue (signalfd(2)).</summary>
    Signalfd,

    /// <summary>A file-change watch (inotify(7)).</summary>
    Inotify,

    /// <summary>A process handle (pidfd_open(2)).</summary>
    Pidfd,

    /// <summary>Another anonymous inode (io_uring, userfaultfd, perf, ...).</summary>
    Anon,

    /// <summary>A path under /dev: a terminal or another device.</summary>
    Device,

    /// <summary>A file (or a directory) by path.</summary>
    File,

    /// <summary>Anything else the link can name (a deleted file's text, <c>net:[N]</c>, ...).</summary>
    Other,
}
