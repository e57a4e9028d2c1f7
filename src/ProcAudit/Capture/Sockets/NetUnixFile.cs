using System.Collections.Immutable;
using System.Globalization;

namespace ProcAudit.Capture.Sockets;

/// <summary>
/// Parser for /proc/PID/net/unix (proc(5)): every unix socket of PID's network namespace with its
/// type, state and bound path. The header decides the columns ("Num RefCount Protocol Flags Type
/// St Inode Path" here; old kernels lack Inode). The path is the last column and runs to the end of
/// the line, spaces included. Never throws: a row it cannot read becomes a <see cref="SkippedRow"/>.
/// </summary>
internal static class NetUnixFile
{
    private static readonly string[] s_required = { "Flags", "Type", "St" };

    public static NetFileRows<NetUnixRow> Parse(string text)
    {
        string[] lines = text.Split('\n');
        string header = lines[0].TrimEnd('\r');
        string[] names = header.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0)
        {
            return new NetFileRows<NetUnixRow>(ImmutableArray<NetUnixRow>.Empty,
                ImmutableArray.Create(SkippedRow.Of(1, header, "the file is empty: no header line")));
        }
        string? missing = s_required.FirstOrDefault(c => Array.IndexOf(names, c) < 0);
        if (missing is not null)
        {
            return new NetFileRows<NetUnixRow>(ImmutableArray<NetUnixRow>.Empty,
                ImmutableArray.Create(SkippedRow.Of(1, header, $"the header has no {missing} column, so no row can be read")));
        }
        int pathColumn = Array.IndexOf(names, "Path");
        // Without a Path column (or with one that is not last) every column is one word.
        bool pathIsRest = pathColumn == names.Length - 1;
        int flagsColumn = Array.IndexOf(names, "Flags");
        int typeColumn = Array.IndexOf(names, "Type");
        int stateColumn = Array.IndexOf(names, "St");
        int inodeColumn = Array.IndexOf(names, "Inode");
        int refColumn = Array.IndexOf(names, "RefCount");
        int needed = new[] { flagsColumn, typeColumn, stateColumn, inodeColumn, refColumn }.Max() + 1;

        ImmutableArray<NetUnixRow>.Builder rows = ImmutableArray.CreateBuilder<NetUnixRow>();
        ImmutableArray<SkippedRow>.Builder skipped = ImmutableArray.CreateBuilder<SkippedRow>();
        for (int i = 1; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                continue;
            }
            List<string> fields = Words(line, pathIsRest ? names.Length - 1 : int.MaxValue, out string rest);
            if (fields.Count < needed)
            {
                skipped.Add(SkippedRow.Of(i + 1, line, $"truncated: {fields.Count} fields where the header needs {needed}"));
                continue;
            }
            if (!TryHex(fields[flagsColumn], out uint flags) || !TryHex(fields[typeColumn], out uint type)
                || !TryHex(fields[stateColumn], out uint state) || state > byte.MaxValue || type > byte.MaxValue)
            {
                skipped.Add(SkippedRow.Of(i + 1, line, "Flags, Type or St is not a hex number"));
                continue;
            }
            uint refCount = 0;
            if (refColumn >= 0 && !TryHex(fields[refColumn], out refCount))
            {
                skipped.Add(SkippedRow.Of(i + 1, line, "RefCount is not a hex number"));
                continue;
            }
            ulong? inode = null;
            if (inodeColumn >= 0)
            {
                if (!ulong.TryParse(fields[inodeColumn], NumberStyles.None, CultureInfo.InvariantCulture, out ulong n))
                {
                    skipped.Add(SkippedRow.Of(i + 1, line, $"Inode '{fields[inodeColumn]}' is not a number"));
                    continue;
                }
                inode = n;
            }
            string? path = pathIsRest ? (rest.Length == 0 ? null : rest) : (pathColumn >= 0 && pathColumn < fields.Count ? fields[pathColumn] : null);
            rows.Add(new NetUnixRow(inode, refCount, flags, (UnixSocketType)type, (byte)state, path));
        }
        return new NetFileRows<NetUnixRow>(rows.ToImmutable(), skipped.ToImmutable());
    }

    /// <summary>The first <paramref name="count"/> space-separated words; <paramref name="rest"/> is what follows, from its first non-space.</summary>
    private static List<string> Words(string line, int count, out string rest)
    {
        List<string> words = new();
        int i = 0;
        while (words.Count < count)
        {
            while (i < line.Length && line[i] == ' ')
            {
                i++;
            }
            if (i == line.Length)
            {
                break;
            }
            int start = i;
            while (i < line.Length && line[i] != ' ')
            {
                i++;
            }
            words.Add(line[start..i]);
        }
        // One space separates the inode from the path; a path that itself starts with a space keeps it.
        rest = i < line.Length ? line[(i + 1)..] : "";
        return words;
    }

    private static bool TryHex(string text, out uint value) =>
        uint.TryParse(text.TrimEnd(':'), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
}
