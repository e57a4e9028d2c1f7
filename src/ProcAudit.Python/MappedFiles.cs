using System.Collections.Concurrent;

namespace ProcAudit.Python;

/// <summary>
/// Opens the files a process maps, as that process sees them, and keeps what was learnt from each: a file is
/// identified by device, inode, size and modification time, so a replaced library is read again.
/// </summary>
internal static class MappedFiles
{
    // A machine runs a handful of Python builds and one libc; a bound keeps a long watch from growing.
    private const int MaxCached = 16;

    private static readonly ConcurrentDictionary<(string Kind, string Device, ulong Inode, long Length, DateTime Modified), object> s_cache = new();

    /// <summary>
    /// What <paramref name="load"/> makes of <paramref name="mapping"/>'s ELF file, from the cache when the same file
    /// was read before; null with <paramref name="error"/> when the file cannot be opened or parsed.
    /// </summary>
    public static T? Load<T>(int pid, MappedFile mapping, string kind, Func<string, ElfFile, T> load, out string? error)
        where T : class
    {
        error = null;

        // Through the process's own root (another mount namespace sees other files); a deleted or replaced file
        // only through the mapping itself.
        string path = mapping.Deleted
            ? $"/proc/{pid}/map_files/{mapping.Start:x}-{mapping.End:x}"
            : $"/proc/{pid}/root{mapping.Path}";
        (string, string, ulong, long, DateTime) key;
        try
        {
            FileInfo info = new FileInfo(path);
            key = (kind, mapping.Device, mapping.Inode, info.Length, info.LastWriteTimeUtc);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"{mapping.Path}: {ex.Message}";
            return null;
        }

        if (s_cache.TryGetValue(key, out object? known))
        {
            return (T)known;
        }

        ElfFile? elf = ElfFile.TryOpen(path, out error);
        if (elf is null)
        {
            error ??= $"{mapping.Path}: cannot be read";
            return null;
        }

        T value = load(mapping.Path, elf);
        if (s_cache.Count >= MaxCached)
        {
            s_cache.Clear();
        }

        s_cache[key] = value;
        return value;
    }
}
