namespace ProcAudit.Reporting;

/// <summary>
/// The kinds of object a report lists in <c>objects[]</c>: a closed set, each made by one module in
/// <c>src/ProcAudit/Kinds</c> (its rows in every format) and named in docs/report.schema.json.
/// Written in JSON as the member's name in lower case.
/// </summary>
public enum ObjectKind
{
    /// <summary>An anonymous pipe or FIFO.</summary>
    Pipe,

    /// <summary>A socket of a family the socket tables do not list (netlink, packet, ...).</summary>
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

    /// <summary>A BSD file lock (flock(2)).</summary>
    Flock,

    /// <summary>A POSIX record lock (fcntl F_SETLKW).</summary>
    Posix,

    /// <summary>An open file description lock (fcntl F_OFD_SETLKW).</summary>
    Ofd,

    /// <summary>A lease or another class of lock /proc/locks lists.</summary>
    Lease,

    /// <summary>An eventfd counter.</summary>
    Eventfd,
}

/// <summary>The names of object kinds as reports write them.</summary>
public static class ObjectKindNames
{
    /// <summary>The kind as JSON writes it: <c>pipe</c>, <c>tcp6</c>, <c>flock</c>.</summary>
    public static string Name(this ObjectKind kind) => kind.ToString().ToLowerInvariant();
}
