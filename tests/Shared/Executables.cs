namespace ProcAudit.TestSupport;

/// <summary>Finds the programs the tests run (compilers, setsid, python3, go, the dotnet host).</summary>
internal static class Executables
{
    /// <summary>The first executable file named <paramref name="exe"/> on PATH (or <paramref name="exe"/> itself when it is a path); null when there is none.</summary>
    public static string? FindOnPath(string exe)
    {
        if (exe.Contains('/'))
        {
            return IsExecutableFile(exe) ? exe : null;
        }

        string path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        foreach (string directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, exe);
            if (IsExecutableFile(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>A regular file with an execute bit.</summary>
    public static bool IsExecutableFile(string path)
    {
        try
        {
            // The tests are Linux-only; the guard only tells the platform analyzer so.
            if (OperatingSystem.IsWindows() || !File.Exists(path))
            {
                return false;
            }

            UnixFileMode executable = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            return (File.GetUnixFileMode(path) & executable) != 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
