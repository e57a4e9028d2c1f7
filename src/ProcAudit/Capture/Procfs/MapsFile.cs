namespace ProcAudit.Capture.Procfs;

/// <summary>Parser for /proc/PID/maps (proc_pid_maps(5)), reduced to what identifies a runtime.</summary>
internal static class MapsFile
{
    /// <summary>The file names (last path component) of every mapped file, without duplicates.</summary>
    public static IReadOnlySet<string> MappedFileNames(string text) =>
        MappedPaths(text).Select(path => Path.GetFileName(path)).ToHashSet(StringComparer.Ordinal);

    /// <summary>The path of every mapped file, without duplicates, in the order first mapped.</summary>
    public static IReadOnlyList<string> MappedPaths(string text)
    {
        List<string> paths = new();
        HashSet<string> seen = new(StringComparer.Ordinal);
        // Cut in place: a scan reads the maps of every process, and a string per line and column was
        // much of what it allocated. A file's mappings follow one another, so most lines repeat the last path.
        ReadOnlySpan<char> last = default;
        for (ReadOnlySpan<char> rest = text; !rest.IsEmpty;)
        {
            int newline = rest.IndexOf('\n');
            ReadOnlySpan<char> line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? ReadOnlySpan<char>.Empty : rest[(newline + 1)..];
            // The path is the sixth column and runs to the end of the line (it may contain spaces);
            // pseudo-paths such as [heap] or [anon:glibc/malloc] are not files.
            ReadOnlySpan<char> path = SixthColumn(line).TrimEnd();
            if (path.IsEmpty || path[0] != '/')
            {
                continue;
            }
            if (path.EndsWith(" (deleted)", StringComparison.Ordinal))
            {
                path = path[..^" (deleted)".Length];
            }
            if (path.SequenceEqual(last))
            {
                continue;
            }
            last = path;
            string name = path.ToString();
            if (seen.Add(name))
            {
                paths.Add(name);
            }
        }
        return paths;
    }

    /// <summary>What follows the first five whitespace-separated columns, from its first non-blank; empty when there is none.</summary>
    private static ReadOnlySpan<char> SixthColumn(ReadOnlySpan<char> line)
    {
        for (int column = 0; column < 5; column++)
        {
            line = line.TrimStart();
            int end = 0;
            while (end < line.Length && !char.IsWhiteSpace(line[end]))
            {
                end++;
            }
            if (end == 0)
            {
                return ReadOnlySpan<char>.Empty;
            }
            line = line[end..];
        }
        return line.TrimStart();
    }
}
