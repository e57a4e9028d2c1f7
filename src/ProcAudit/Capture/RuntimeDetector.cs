namespace ProcAudit.Capture;

/// <summary>Names the runtime a process runs on, from what it maps and what its executable is.</summary>
internal static class RuntimeDetector
{
    /// <param name="exeName">File name of /proc/PID/exe's target, if readable.</param>
    /// <param name="mapped">File names of the process's mappings.</param>
    /// <param name="isGoBinary">Asked last and only when nothing else matched: it reads the executable's ELF headers.</param>
    public static string? Detect(string? exeName, IReadOnlySet<string> mapped, Func<bool> isGoBinary)
    {
        foreach (string file in mapped)
        {
            if (file == "libcoreclr.so")
            {
                return "dotnet";
            }
            if (file == "libjvm.so")
            {
                return "jvm";
            }
            if (file.StartsWith("libpython", StringComparison.Ordinal))
            {
                return "python";
            }
        }
        if (exeName is not null)
        {
            if (exeName.StartsWith("python", StringComparison.Ordinal))
            {
                return "python";
            }
            if (exeName is "node" or "nodejs")
            {
                return "node";
            }
            if (exeName is "java")
            {
                return "jvm";
            }
        }
        return isGoBinary() ? "go" : null;
    }
}
