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
        int end = text.IndexOf('\n'); // of the line before the next one; -1 after the last
        string header = (end < 0 ? text : text[..end]).TrimEnd('\r');
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
        // Lines and words are cut as spans of the text, not strings: a 16x machine has 5,000 unix sockets,
        // and a string per word of each was a tenth of what a scan allocated. Only paths and skipped rows become text.
        List<Range> fields = new();
        ReadOnlySpan<char> all = text;
        for (int i = 1; end >= 0; i++)
        {
            int lineStart = end + 1;
            int newline = all[lineStart..].IndexOf('\n');
            ReadOnlySpan<char> line = (newline < 0 ? all[lineStart..] : all.Slice(lineStart, newline)).TrimEnd('\r');
            end = newline < 0 ? -1 : lineStart + newline;
            if (line.Trim().Length == 0)
            {
                continue;
            }
            Words(line, pathIsRest ? names.Length - 1 : int.MaxValue, fields, out int restAt);
            if (fields.Count < needed)
            {
                skipped.Add(SkippedRow.Of(i + 1, line.ToString(), $"truncated: {fields.Count} fields where the header needs {needed}"));
                continue;
            }
            if (!TryHex(line[fields[flagsColumn]], out uint flags) || !TryHex(line[fields[typeColumn]], out uint type)
                || !TryHex(line[fields[stateColumn]], out uint state) || state > byte.MaxValue || type > byte.MaxValue)
            {
                skipped.Add(SkippedRow.Of(i + 1, line.ToString(), "Flags, Type or St is not a hex number"));
                continue;
            }
            uint refCount = 0;
            if (refColumn >= 0 && !TryHex(line[fields[refColumn]], out refCount))
            {
                skipped.Add(SkippedRow.Of(i + 1, line.ToString(), "RefCount is not a hex number"));
                continue;
            }
            ulong? inode = null;
            if (inodeColumn >= 0)
            {
                if (!ulong.TryParse(line[fields[inodeColumn]], NumberStyles.None, CultureInfo.InvariantCulture, out ulong n))
                {
                    skipped.Add(SkippedRow.Of(i + 1, line.ToString(), $"Inode '{line[fields[inodeColumn]].ToString()}' is not a number"));
                    continue;
                }
                inode = n;
            }
            string? path = pathIsRest ? (restAt >= line.Length ? null : line[restAt..].ToString())
                : (pathColumn >= 0 && pathColumn < fields.Count ? line[fields[pathColumn]].ToString() : null);
            rows.Add(new NetUnixRow(inode, refCount, flags, (UnixSocketType)type, (byte)state, path));
        }
        return new NetFileRows<NetUnixRow>(rows.ToImmutable(), skipped.ToImmutable());
    }

    /// <summary>
    /// The first <paramref name="count"/> space-separated words of <paramref name="line"/> into <paramref name="words"/>;
    /// <paramref name="restAt"/> is where what follows starts, after the one space that ends the last word.
    /// </summary>
    private static void Words(ReadOnlySpan<char> line, int count, List<Range> words, out int restAt)
    {
        words.Clear();
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
            words.Add(start..i);
        }
        // One space separates the inode from the path; a path that itself starts with a space keeps it.
        restAt = i < line.Length ? i + 1 : line.Length;
    }

    private static bool TryHex(ReadOnlySpan<char> text, out uint value) =>
        uint.TryParse(text.TrimEnd(':'), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
}
