using ProcAudit.Capture.Procfs;

namespace ProcAudit.Capture;

/// <summary>A process's runtime and, where its files tell it without reading memory, the version.</summary>
internal sealed record DetectedRuntime(string? Name, string? Version);

/// <summary>Names the runtime a process runs on, from what it maps and what its executable is.</summary>
internal static class RuntimeDetector
{
    /// <summary>The maps lines <see cref="Read"/> looks at: a runtime's library is named in one of these, and a path ends in its file name.</summary>
    public static readonly LineFilter MapsLines = new("/libcoreclr.so", "/libjvm.so", "/libpython");

    /// <param name="exeName">File name of /proc/PID/exe's target, if readable.</param>
    /// <param name="mapped">File names of the process's mappings.</param>
    /// <param name="isGoBinary">Asked last and only when nothing else matched: it reads the executable's ELF headers.</param>
    public static string? Detect(string? exeName, IReadOnlySet<string> mapped, Func<bool> isGoBinary)
    {
        foreach (string file in mapped)
        {
            if (file == "libcoreclr.so")
            {
                return RuntimeNames.DotNet;
            }
            if (file == "libjvm.so")
            {
                return RuntimeNames.Jvm;
            }
            if (file.StartsWith("libpython", StringComparison.Ordinal))
            {
                return RuntimeNames.Python;
            }
        }
        if (exeName is not null)
        {
            if (exeName.StartsWith("python", StringComparison.Ordinal))
            {
                return RuntimeNames.Python;
            }
            if (exeName is "node" or "nodejs")
            {
                return RuntimeNames.Node;
            }
            if (exeName is "java")
            {
                return RuntimeNames.Jvm;
            }
        }
        return isGoBinary() ? RuntimeNames.Go : null;
    }

    /// <summary>
    /// Reads the runtime of <paramref name="pid"/> from its exe link and <paramref name="maps"/>
    /// (read by the caller, bounded); the version from the path of the runtime's library or
    /// interpreter (.NET: the shared framework directory of libcoreclr.so; Python: libpythonX.Y or
    /// pythonX.Y). Go's version lives in the binary's build info and is not read here.
    /// </summary>
    public static DetectedRuntime Read(ProcfsReader procfs, int pid, ProcText maps, bool live)
    {
        ProcText exe = procfs.ReadLink($"{pid}/exe");
        IReadOnlyList<string> paths = maps.Ok ? MapsFile.MappedPaths(maps.Text!) : Array.Empty<string>();
        HashSet<string> mapped = paths.Select(path => Path.GetFileName(path)).ToHashSet(StringComparer.Ordinal);
        string? exeName = exe.Ok ? Path.GetFileName(exe.Text!.Replace(" (deleted)", "", StringComparison.Ordinal)) : null;
        string? runtime = Detect(exeName, mapped, () => live && ElfSections.HasSection(procfs.PathOf($"{pid}/exe"), ".go.buildinfo"));
        return new DetectedRuntime(runtime, runtime is null ? null : Version(runtime, exeName, paths));
    }

    private static string? Version(string runtime, string? exeName, IReadOnlyList<string> paths)
    {
        switch (runtime)
        {
            case RuntimeNames.DotNet:
                // <root>/shared/Microsoft.NETCore.App/<version>/libcoreclr.so; a self-contained app has no such directory.
                string? coreclr = paths.FirstOrDefault(p => Path.GetFileName(p) == "libcoreclr.so");
                string? dir = coreclr is null ? null : Path.GetDirectoryName(coreclr);
                return dir is not null && Path.GetFileName(Path.GetDirectoryName(dir)) == "Microsoft.NETCore.App" ? Path.GetFileName(dir) : null;
            case RuntimeNames.Python:
                string? lib = paths.Select(p => Path.GetFileName(p)).FirstOrDefault(f => f.StartsWith("libpython", StringComparison.Ordinal));
                return DottedDigits(lib?["libpython".Length..]) ?? DottedDigits(exeName?["python".Length..]);
            default:
                return null;
        }
    }

    /// <summary>"3.11" from "3.11.so.1.0" or "3.11": the leading digits and dots, when they hold a dot.</summary>
    private static string? DottedDigits(string? text)
    {
        if (text is null)
        {
            return null;
        }
        string digits = new(text.TakeWhile(c => char.IsDigit(c) || c == '.').ToArray());
        digits = digits.TrimEnd('.');
        // "3.11.so": the digits stop at "3.11." before "so".
        return digits.Contains('.') ? digits : null;
    }
}
