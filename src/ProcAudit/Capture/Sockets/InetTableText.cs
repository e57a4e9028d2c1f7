using System.Collections.Immutable;
using System.Globalization;

namespace ProcAudit.Capture.Sockets;

/// <summary>
/// The layout tcp, tcp6, udp and udp6 under /proc/net share (proc_net_tcp(5), proc(5)): a header
/// line naming the columns, then one row per socket. The header decides where each column is.
/// Two header words name halves of one row field, joined by ':' in the row ("tx_queue rx_queue"
/// is "00000000:0001F3E5", "tr tm->when" is "04:0000005F"), and "sl" is printed "0:". TCP rows
/// carry unnamed fields after inode (refcount, pointer, rto, ...), ignored here.
/// </summary>
internal static class InetTableText
{
    private static readonly string[] s_required = { "local_address", "rem_address", "st", "tx_queue", "rx_queue", "inode" };

    public static NetFileRows<InetRow> Parse(string text)
    {
        string[] lines = text.Split('\n');
        string header = lines[0].TrimEnd('\r');
        if (header.Trim().Length == 0)
        {
            return new NetFileRows<InetRow>(ImmutableArray<InetRow>.Empty,
                ImmutableArray.Create(SkippedRow.Of(1, header, "the file is empty: no header line")));
        }
        Dictionary<string, (int Field, int Part)> columns = MapHeader(header);
        string? missing = s_required.FirstOrDefault(c => !columns.ContainsKey(c));
        if (missing is not null)
        {
            return new NetFileRows<InetRow>(ImmutableArray<InetRow>.Empty,
                ImmutableArray.Create(SkippedRow.Of(1, header, $"the header has no {missing} column, so no row can be read")));
        }
        int needed = s_required.Max(c => columns[c].Field) + 1;
        ImmutableArray<InetRow>.Builder rows = ImmutableArray.CreateBuilder<InetRow>();
        ImmutableArray<SkippedRow>.Builder skipped = ImmutableArray.CreateBuilder<SkippedRow>();
        for (int i = 1; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                continue;
            }
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < needed)
            {
                skipped.Add(SkippedRow.Of(i + 1, line, $"truncated: {fields.Length} fields where the header needs {needed}"));
                continue;
            }
            string? problem = TryParseRow(fields, columns, out InetRow? row);
            if (row is null)
            {
                skipped.Add(SkippedRow.Of(i + 1, line, problem ?? "unreadable row"));
                continue;
            }
            rows.Add(row);
        }
        return new NetFileRows<InetRow>(rows.ToImmutable(), skipped.ToImmutable());
    }

    /// <summary>Header word to (row field index, half): half 0 or 1 of a ':'-joined field, -1 for a whole field.</summary>
    private static Dictionary<string, (int Field, int Part)> MapHeader(string header)
    {
        string[] words = header.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Dictionary<string, (int, int)> columns = new(StringComparer.Ordinal);
        int field = 0;
        for (int i = 0; i < words.Length; i++, field++)
        {
            string word = words[i] == "remote_address" ? "rem_address" : words[i];
            string? next = i + 1 < words.Length ? words[i + 1] : null;
            if ((word == "tx_queue" && next == "rx_queue") || (word == "tr" && next == "tm->when"))
            {
                columns.TryAdd(word, (field, 0));
                columns.TryAdd(next, (field, 1));
                i++;
                continue;
            }
            columns.TryAdd(word, (field, -1));
        }
        return columns;
    }

    private static string? TryParseRow(string[] fields, Dictionary<string, (int Field, int Part)> columns, out InetRow? row)
    {
        row = null;
        string Get(string column)
        {
            (int f, int part) = columns[column];
            if (part < 0)
            {
                return fields[f];
            }
            string[] halves = fields[f].Split(':');
            return halves.Length == 2 ? halves[part] : "";
        }
        bool Has(string column) => columns.TryGetValue(column, out (int Field, int Part) c) && c.Field < fields.Length;

        int slot = -1;
        if (Has("sl") && !int.TryParse(Get("sl").TrimEnd(':'), NumberStyles.None, CultureInfo.InvariantCulture, out slot))
        {
            return "sl is not a number";
        }
        if (!ProcNetAddress.TryParse(Get("local_address"), out SocketEndpoint? local) || local is null)
        {
            return $"local_address '{Get("local_address")}' is not ADDR:PORT in hex";
        }
        if (!ProcNetAddress.TryParse(Get("rem_address"), out SocketEndpoint? remote) || remote is null)
        {
            return $"remote address '{Get("rem_address")}' is not ADDR:PORT in hex";
        }
        if (!byte.TryParse(Get("st"), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte state))
        {
            return $"st '{Get("st")}' is not a hex state";
        }
        if (!uint.TryParse(Get("tx_queue"), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint tx)
            || !uint.TryParse(Get("rx_queue"), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint rx))
        {
            return "tx_queue:rx_queue is not two hex numbers";
        }
        byte timer = 0;
        if (Has("tr") && !byte.TryParse(Get("tr"), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out timer))
        {
            return $"tr '{Get("tr")}' is not a hex timer code";
        }
        uint? uid = null;
        if (Has("uid"))
        {
            if (!uint.TryParse(Get("uid"), NumberStyles.None, CultureInfo.InvariantCulture, out uint u))
            {
                return $"uid '{Get("uid")}' is not a number";
            }
            uid = u;
        }
        if (!ulong.TryParse(Get("inode"), NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode))
        {
            return $"inode '{Get("inode")}' is not a number";
        }
        long? drops = null;
        if (Has("drops"))
        {
            if (!long.TryParse(Get("drops"), NumberStyles.None, CultureInfo.InvariantCulture, out long d))
            {
                return $"drops '{Get("drops")}' is not a number";
            }
            drops = d;
        }
        row = new InetRow(slot, local, remote, (TcpState)state, tx, rx, timer, uid, inode, drops);
        return null;
    }
}
