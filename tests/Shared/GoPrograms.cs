using System.Collections.Concurrent;

namespace ProcAudit.TestSupport;

/// <summary>Builds the Go fixture programs with the machine's own `go`, once per test run.</summary>
internal static class GoPrograms
{
    private static readonly TimeSpan s_buildTimeout = TimeSpan.FromMinutes(3);
    private static readonly ConcurrentDictionary<string, Lazy<string>> s_built = new ConcurrentDictionary<string, Lazy<string>>(StringComparer.Ordinal);
    private static readonly string s_outputDirectory = Path.Combine(Path.GetTempPath(), $"procaudit-go-tests-{Environment.ProcessId}");

    /// <summary>The repository's tests/fixtures/programs directory.</summary>
    public static string SourceDirectory { get; } = Path.Combine(RepositoryRoot(), "tests", "fixtures", "programs");

    /// <summary>The full path of fixture <paramref name="fileName"/>.</summary>
    public static string Source(string fileName)
    {
        return Path.Combine(SourceDirectory, fileName);
    }

    /// <summary>
    /// The Go releases the tests build with: "" is the machine's `go` (Debian's 1.19 here); the others are Debian's
    /// bookworm-backports packages golang-1.N-go, installed in /usr/lib/go-1.N by `.ci/run`.
    /// </summary>
    public static readonly string[] Toolchains = ["", "1.21", "1.22", "1.23"];

    /// <summary>The executable built from fixture <paramref name="fileName"/> (e.g. go-goroutine-waits.go).</summary>
    public static string Build(string fileName, string toolchain = "")
    {
        return s_built.GetOrAdd($"{fileName} {toolchain}", _ => new Lazy<string>(() => BuildNow(fileName, toolchain, stripped: false))).Value;
    }

    /// <summary>The same, linked with -ldflags=-s -w: no .symtab, no DWARF.</summary>
    public static string BuildStripped(string fileName, string toolchain = "")
    {
        return s_built.GetOrAdd($"{fileName} {toolchain} stripped", _ => new Lazy<string>(() => BuildNow(fileName, toolchain, stripped: true))).Value;
    }

    /// <summary>`go version` output.</summary>
    public static string Version(string toolchain = "")
    {
        return Run(["version"], Path.GetTempPath(), toolchain).Trim();
    }

    /// <summary>Symbol addresses from `go tool nm`: the linker's view, used as ground truth.</summary>
    public static Dictionary<string, ulong> Symbols(string executable, string toolchain = "")
    {
        Dictionary<string, ulong> symbols = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (string line in Run(["tool", "nm", executable], Path.GetTempPath(), toolchain).Split('\n'))
        {
            string[] parts = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 3 && ulong.TryParse(parts[0], System.Globalization.NumberStyles.HexNumber, null, out ulong address))
            {
                symbols.TryAdd(parts[2], address);
            }
        }

        return symbols;
    }

    private static string BuildNow(string fileName, string toolchain, bool stripped)
    {
        // A directory per program: `go build file.go` needs no module, and the output name is ours.
        Directory.CreateDirectory(s_outputDirectory);
        string suffix = (toolchain.Length > 0 ? "-go" + toolchain : string.Empty) + (stripped ? "-stripped" : string.Empty);
        string output = Path.Combine(s_outputDirectory, Path.GetFileNameWithoutExtension(fileName) + suffix);
        List<string> args = stripped ? ["build", "-ldflags=-s -w", "-o", output, Source(fileName)] : ["build", "-o", output, Source(fileName)];
        Run(args, SourceDirectory, toolchain);
        return output;
    }

    private static string Run(IReadOnlyList<string> args, string workingDirectory, string toolchain = "")
    {
        string go = toolchain.Length == 0
            ? Locate() ?? throw new InvalidOperationException(
                "go is needed: these tests build real Go programs with the machine's `go` (install golang-go, as .ci/run does, or put go on PATH)")
            : File.Exists($"/usr/lib/go-{toolchain}/bin/go") ? $"/usr/lib/go-{toolchain}/bin/go" : throw new InvalidOperationException(
                $"Go {toolchain} is needed: these tests check the reader against each supported release (install golang-{toolchain}-go from bookworm-backports, as .ci/run does)");

        // Module mode off: the fixtures are single files with no dependencies.
        Dictionary<string, string?> environment = new Dictionary<string, string?>
        {
            ["GO111MODULE"] = "off",
            ["CGO_ENABLED"] = "0",
            ["GOTOOLCHAIN"] = "local",
        };
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("GOCACHE")) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("HOME")))
        {
            environment["GOCACHE"] = Path.Combine(Path.GetTempPath(), "procaudit-go-cache");
        }

        CommandResult result = BoundedCommand.Run(go, args, s_buildTimeout, workingDirectory, environment);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"go {string.Join(' ', args)} failed ({result.ExitCode}): {result.Stderr}");
        }

        return result.Stdout;
    }

    private static string? Locate()
    {
        string? goRoot = Environment.GetEnvironmentVariable("GOROOT");
        string? fromRoot = string.IsNullOrEmpty(goRoot) ? null : Path.Combine(goRoot, "bin", "go");
        return fromRoot is not null && Executables.IsExecutableFile(fromRoot) ? fromRoot
            : Executables.FindOnPath("go") ?? new[] { "/usr/bin/go", "/usr/local/go/bin/go" }.FirstOrDefault(Executables.IsExecutableFile);
    }

    private static string RepositoryRoot()
    {
        DirectoryInfo? directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ProcAudit.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException($"cannot find ProcAudit.sln above {AppContext.BaseDirectory}");
    }
}
