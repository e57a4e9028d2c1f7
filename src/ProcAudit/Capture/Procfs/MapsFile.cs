namespace ProcAudit.Capture.Procfs;

/// <summary>Parser for /proc/PID/maps (proc_pid_maps(5)), reduced to what identifies a runtime.</summary>
internal static class MapsFile
{
    /// <summary>The file names (last path component) of every mapped file, without duplicates.</summary>
    public static IReadOnlySet<string> MappedFileNames(string text)
    {
        HashSet<string> names = new(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            // The path is the sixth column and runs to the end of the line (it may contain spaces).
            int slash = line.IndexOf('/');
            if (slash < 0)
            {
                continue;
            }
            string path = line.Substring(slash);
            if (path.EndsWith(" (deleted)", StringComparison.Ordinal))
            {
                path = path[..^" (deleted)".Length];
            }
            names.Add(Path.GetFileName(path));
        }
        return names;
    }
}
