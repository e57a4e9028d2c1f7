namespace ProcAudit;

/// <summary>The names of descriptor kinds as reports and sentences write them.</summary>
public static class FdKindNames
{
    /// <summary>The kind as JSON writes it: <c>pipe</c>, <c>tcp6</c>, <c>eventpoll</c>.</summary>
    public static string Name(this FdKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>True for a socket, of a known family or not.</summary>
    public static bool IsSocket(this FdKind kind) => kind is FdKind.Socket or FdKind.Tcp or FdKind.Tcp6 or FdKind.Udp or FdKind.Udp6 or FdKind.Unix;
}
