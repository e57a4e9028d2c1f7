namespace ProcAudit.Capture.Procfs;

/// <summary>
/// The /proc files the kernel makes whole in one go (single_open: stat, status, schedstat, syscall,
/// wchan, sched of a process or thread, and an fd's fdinfo): a read that returns less than it asked
/// for has returned the whole file, so the read that would only return 0 is not made. A scan reads
/// some 20,000 of these at 16x, and that last read was one system call in six.
/// </summary>
/// <remarks>
/// Not so for files the kernel makes record by record (maps, /proc/net/*: a read returns at most a
/// page of them, short or not), nor for cmdline: those are read to the end. A regular file (a
/// recorded fixture) also reads short only at its end.
/// </remarks>
internal static class OneRecordFiles
{
    private static readonly string[] s_names = { "stat", "status", "schedstat", "syscall", "wchan", "sched" };

    /// <summary>True when <paramref name="relative"/> (such as <c>12/task/12/stat</c>) is one of them.</summary>
    public static bool Holds(string relative)
    {
        int slash = relative.LastIndexOf('/');
        if (slash < 0)
        {
            return false;
        }
        ReadOnlySpan<char> name = relative.AsSpan(slash + 1);
        foreach (string one in s_names)
        {
            if (name.SequenceEqual(one))
            {
                return true;
            }
        }
        // 12/fdinfo/4: the parent is fdinfo.
        ReadOnlySpan<char> parent = relative.AsSpan(0, slash);
        return parent.EndsWith("/fdinfo", StringComparison.Ordinal);
    }
}
