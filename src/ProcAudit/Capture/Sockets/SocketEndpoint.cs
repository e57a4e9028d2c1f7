using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ProcAudit.Capture.Sockets;

/// <summary>An IP address and port as a socket table prints them.</summary>
/// <param name="Address">The address; IPv4-mapped IPv6 addresses (<c>::ffff:a.b.c.d</c>) are kept as printed.</param>
/// <param name="Port">The port, 0 for an unbound or unconnected side.</param>
internal sealed record SocketEndpoint(IPAddress Address, int Port)
{
    /// <summary>
    /// The same endpoint with an IPv4-mapped IPv6 address turned into plain IPv4, so that the
    /// server side of an IPv4 connection accepted by a dual-stack listener (which tcp6 prints as
    /// <c>::ffff:127.0.0.1</c>) compares equal to the client side that tcp prints as 127.0.0.1.
    /// </summary>
    public SocketEndpoint Normalized => Address.IsIPv4MappedToIPv6 ? this with { Address = Address.MapToIPv4() } : this;

    /// <summary>True for the wildcard address with port 0: the remote side of a listener or an unconnected socket.</summary>
    public bool IsUnspecified => Port == 0 && (Address.Equals(IPAddress.Any) || Address.Equals(IPAddress.IPv6Any));

    public override string ToString() => Address.AddressFamily == AddressFamily.InterNetworkV6
        ? "[" + Address.ToString() + "]:" + Port.ToString(CultureInfo.InvariantCulture)
        : Address.ToString() + ":" + Port.ToString(CultureInfo.InvariantCulture);
}
