using System.Globalization;
using System.Text.Json;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Tests.Sockets;

/// <summary>
/// The socket-table fixtures recorded by tools/record-net-fixtures.sh: tests/fixtures/net/NAME holds
/// proc/PID/net/{tcp,tcp6,udp,udp6,unix} as copied from the scenario's own network namespace, a
/// manifest.json with the pids, ports and inodes involved and what SIOCINQ/SIOCOUTQ said on each
/// socket, and the raw sock_diag dumps (unix-diag.hex in unix-socketpair-full, tcp-diag.hex in
/// tcp-reader-not-reading).
/// </summary>
internal static class NetFixtures
{
    public const string TcpReaderNotReading = "tcp-reader-not-reading";
    public const string UnixSocketpairFull = "unix-socketpair-full";
    public const string Tcp6Loopback = "tcp6-loopback";
    public const string UdpQueued = "udp-queued";

    public static string Dir(string name) => Path.Combine(Repository.Root, "tests", "fixtures", "net", name);

    public static JsonElement Manifest(string name)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir(name), "manifest.json")));
        return document.RootElement.Clone();
    }

    /// <summary>A value of the manifest by dotted path, e.g. "writer.inode".</summary>
    public static JsonElement Get(string name, string path)
    {
        JsonElement element = Manifest(name);
        foreach (string part in path.Split('.'))
        {
            element = element.GetProperty(part);
        }
        return element;
    }

    public static ulong Inode(string name, string path) => Get(name, path + ".inode").GetUInt64();

    public static long Long(string name, string path) => Get(name, path).GetInt64();

    public static int Pid(string name) => Get(name, "pid").GetInt32();

    public static string Read(string name, string file) =>
        File.ReadAllText(Path.Combine(Dir(name), "proc", Pid(name).ToString(CultureInfo.InvariantCulture), "net", file));

    public static ProcfsReader Procfs(string name) => new(Path.Combine(Dir(name), "proc"));

    /// <summary>unix-diag.hex: one received netlink datagram per line, in hex. The scenario sent its request with sequence 1.</summary>
    public static IReadOnlyList<byte[]> DiagDatagrams(string name, string file = "unix-diag.hex") =>
        File.ReadAllLines(Path.Combine(Dir(name), file))
            .Where(line => line.Length > 0)
            .Select(Convert.FromHexString)
            .ToList();

    public const uint DiagSequence = 1;

    /// <summary>tcp-diag.hex holds the IPv4 dump (sequence 2), then the IPv6 one (sequence 3).</summary>
    public const uint TcpDiagSequenceV4 = 2;

    public const uint TcpDiagSequenceV6 = 3;
}
