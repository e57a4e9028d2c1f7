using System.Globalization;

namespace ProcAudit.DotNet;

/// <summary>
/// The /proc facts a runtime-level look needs first: does the process exist, is it a zombie, and where is the
/// <c>libcoreclr.so</c> it runs on (whose directory also holds the matching DAC).
/// </summary>
/// <param name="Pid">The process.</param>
/// <param name="State">Alive, gone, zombie or denied.</param>
/// <param name="CoreClrPath">The mapped <c>libcoreclr.so</c>, or null when none is mapped (not CoreCLR, or single-file / Native AOT).</param>
internal sealed record TargetProbe(int Pid, TargetState State, string? CoreClrPath)
{
    private const string CoreClrFileName = "libcoreclr.so";
    private const string DacFileName = "libmscordaccore.so";

    /// <summary>The DAC that matches the target's runtime: the one shipped beside its <c>libcoreclr.so</c>.</summary>
    public string? DacPath => CoreClrPath is null ? null : Path.Combine(Path.GetDirectoryName(CoreClrPath) ?? "/", DacFileName);

    /// <summary>Reads /proc/PID/stat and /proc/PID/maps. Never throws for a vanished or foreign process.</summary>
    public static TargetProbe Read(int pid)
    {
        if (pid <= 0)
        {
            return new TargetProbe(pid, TargetState.Gone, null);
        }

        string procDirectory = "/proc/" + pid.ToString(CultureInfo.InvariantCulture);
        try
        {
            char state = ParseStateLetter(File.ReadAllText(procDirectory + "/stat"));
            if (state is 'Z' or 'X' or 'x')
            {
                return new TargetProbe(pid, TargetState.Zombie, null);
            }

            // Reading maps takes the target's mm lock; the caller bounds this whole probe in time.
            string? coreClr = null;
            foreach (string line in File.ReadLines(procDirectory + "/maps"))
            {
                string? path = MappedPath(line);
                if (path is not null && Path.GetFileName(path) == CoreClrFileName)
                {
                    coreClr = path;
                    break;
                }
            }

            return new TargetProbe(pid, TargetState.Alive, coreClr);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new TargetProbe(pid, TargetState.Gone, null);
        }
        catch (UnauthorizedAccessException)
        {
            return new TargetProbe(pid, TargetState.Denied, null);
        }
        catch (IOException)
        {
            // ESRCH mid-read: the process exited between opening and reading.
            return new TargetProbe(pid, TargetState.Gone, null);
        }
    }

    /// <summary>The state letter of a /proc/PID/stat line; '?' when the line has an odd shape.</summary>
    internal static char ParseStateLetter(string stat)
    {
        // comm may contain spaces and parentheses; only the last ')' ends it.
        int close = stat.LastIndexOf(')');
        return close >= 0 && close + 2 < stat.Length ? stat[close + 2] : '?';
    }

    /// <summary>The path column of one /proc/PID/maps line, or null for an anonymous mapping.</summary>
    internal static string? MappedPath(string line)
    {
        // address perms offset dev inode [path]; the path itself may contain spaces.
        int field = 0;
        int i = 0;
        while (i < line.Length && field < 5)
        {
            while (i < line.Length && line[i] != ' ')
            {
                i++;
            }

            while (i < line.Length && line[i] == ' ')
            {
                i++;
            }

            field++;
        }

        if (field < 5 || i >= line.Length || line[i] != '/')
        {
            return null;
        }

        string path = line[i..];
        const string Deleted = " (deleted)";
        return path.EndsWith(Deleted, StringComparison.Ordinal) ? path[..^Deleted.Length] : path;
    }
}
