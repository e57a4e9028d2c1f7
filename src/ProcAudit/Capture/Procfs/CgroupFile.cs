namespace ProcAudit.Capture.Procfs;

/// <summary>Parser for /proc/PID/cgroup (cgroups(7)): the cgroup that tells which container or service a process belongs to.</summary>
internal static class CgroupFile
{
    /// <summary>
    /// The unified (v2) path of the "0::" line; when that is the root (a hybrid system whose
    /// containers live in v1 hierarchies) or missing, the first v1 path below the root; "/" when
    /// every path is the root; null when the file names none.
    /// </summary>
    public static string? Path(string text)
    {
        string? unified = null;
        string? v1 = null;
        bool any = false;
        foreach (string line in text.Split('\n'))
        {
            string[] parts = line.Split(':', 3);
            if (parts.Length < 3 || parts[2].Length == 0)
            {
                continue;
            }
            any = true;
            if (parts[0] == "0" && parts[1].Length == 0)
            {
                unified = parts[2];
            }
            else if (parts[2] != "/")
            {
                v1 ??= parts[2];
            }
        }
        return unified is not null && unified != "/" ? unified : v1 ?? (any ? "/" : null);
    }
}
