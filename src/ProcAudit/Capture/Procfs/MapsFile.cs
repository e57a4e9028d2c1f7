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
        foreach (string line in text.Split('\n'))
        {
            // The path is the sixth column and runs to the end of the line (it may contain spaces);
            // pseudo-paths such as [heap] or [anon:glibc/malloc] are not files.
            string[] columns = line.Split((char[]?)null, 6, StringSplitOptions.RemoveEmptyEntries);
            if (columns.Length < 6 || !columns[5].StartsWith('/'))
            {
                continue;
            }
            string path = columns[5].TrimEnd();
            if (path.EndsWith(" (deleted)", StringComparison.Ordinal))
            {
                path = path[..^" (deleted)".Length];
            }
            if (seen.Add(path))
            {
                paths.Add(path);
            }
        }
        return paths;
    }
}
