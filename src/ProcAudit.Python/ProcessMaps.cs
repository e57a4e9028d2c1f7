using System.Globalization;

namespace ProcAudit.Python;

/// <summary>Reads the file-backed mappings of a process from /proc/PID/maps.</summary>
internal static class ProcessMaps
{
    private const string DeletedSuffix = " (deleted)";

    // A process maps a few hundred files at most; a bound keeps a pathological maps file from costing memory.
    private const int MaxLines = 200_000;

    /// <summary>Each mapped file once, at its lowest-offset mapping; null with <paramref name="error"/> when maps cannot be read.</summary>
    public static IReadOnlyList<MappedFile>? Read(int pid, out string? error)
    {
        error = null;
        try
        {
            return Parse(File.ReadLines($"/proc/{pid}/maps").Take(MaxLines));
        }
        catch (UnauthorizedAccessException)
        {
            error = $"/proc/{pid}/maps: permission denied";
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            error = $"process {pid} is gone";
        }
        catch (IOException ex)
        {
            // A process that exits while its maps are read gives ESRCH as an IOException.
            error = $"/proc/{pid}/maps: {ex.Message}";
        }

        return null;
    }

    /// <summary>The file-backed mappings of maps text, each file once at its lowest offset.</summary>
    public static IReadOnlyList<MappedFile> Parse(IEnumerable<string> lines)
    {
        Dictionary<(string, ulong), MappedFile> files = new Dictionary<(string, ulong), MappedFile>();
        foreach (string line in lines)
        {
            MappedFile? mapping = ParseLine(line);
            if (mapping is null)
            {
                continue;
            }

            (string, ulong) key = (mapping.Device, mapping.Inode);
            if (!files.TryGetValue(key, out MappedFile? known) || mapping.Offset < known.Offset)
            {
                files[key] = mapping;
            }
        }

        return files.Values.ToList();
    }

    private static MappedFile? ParseLine(string line)
    {
        // start-end perms offset dev inode path; the path is everything after the fifth field and may hold spaces.
        string[] fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        string path = fields.Length == 6 ? fields[5].TrimStart() : string.Empty;
        if (!path.StartsWith('/'))
        {
            return null;
        }

        int dash = fields[0].IndexOf('-');
        if (dash < 0
            || !ulong.TryParse(fields[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong start)
            || !ulong.TryParse(fields[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong end)
            || !ulong.TryParse(fields[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong offset)
            || !ulong.TryParse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode)
            || inode == 0)
        {
            return null;
        }

        bool deleted = path.EndsWith(DeletedSuffix, StringComparison.Ordinal);
        return new MappedFile(deleted ? path[..^DeletedSuffix.Length] : path, start, end, offset, fields[3], inode, deleted);
    }
}
