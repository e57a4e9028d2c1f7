using System.Collections.Concurrent;
using System.Globalization;

namespace ProcAudit.MSBuild.Tests.Infrastructure;

/// <summary>
/// The ProcAudit.MSBuild package, freshly packed from src/ProcAudit.MSBuild into a temporary
/// local feed, with a private NuGet package folder for the sample builds, so that no copy of the
/// package from an earlier run (or another checkout) is ever restored. Packed once per test run:
/// every MSBuild test shares this fixture through <see cref="MSBuildCollection"/>.
/// </summary>
public sealed class PackageFeed : IDisposable
{
    public const string PackageId = "ProcAudit.MSBuild";

    /// <summary>Set to 1 to keep the feed and every build directory for a look after the run.</summary>
    public const string KeepVariable = "PROCAUDIT_KEEP_MSBUILD_TESTS";

    private static readonly TimeSpan s_packTimeout = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, Lazy<BuildResult>> _sharedBuilds = new ConcurrentDictionary<string, Lazy<BuildResult>>();
    private int _buildCount;

    public PackageFeed()
    {
        WorkDirectory = Path.Combine(Path.GetTempPath(), $"procaudit-msbuild-tests-{Guid.NewGuid():N}");
        FeedDirectory = Path.Combine(WorkDirectory, "feed");
        PackagesDirectory = Path.Combine(WorkDirectory, "packages");
        BuildsDirectory = Path.Combine(WorkDirectory, "builds");
        try
        {
            Directory.CreateDirectory(FeedDirectory);
            Directory.CreateDirectory(PackagesDirectory);
            Directory.CreateDirectory(BuildsDirectory);
            PackLog = Pack();
            Version = FindVersion();
        }
        catch (Exception)
        {
            // xunit does not dispose a fixture whose constructor threw.
            DeleteWorkDirectory();
            throw;
        }
    }

    /// <summary>Everything the fixture creates lives under this directory.</summary>
    public string WorkDirectory { get; }

    public string FeedDirectory { get; }

    /// <summary>NUGET_PACKAGES for the sample builds.</summary>
    public string PackagesDirectory { get; }

    public string BuildsDirectory { get; }

    /// <summary>The package version found in the feed (not assumed: whatever src/ProcAudit.MSBuild packs).</summary>
    public string Version { get; }

    public string PackLog { get; }

    public void Dispose()
    {
        DeleteWorkDirectory();
    }

    /// <summary>A fresh, empty directory for one sample build.</summary>
    internal string NewBuildDirectory(string sample, string target)
    {
        int number = Interlocked.Increment(ref _buildCount);
        string directory = Path.Combine(BuildsDirectory, $"{number.ToString("D2", CultureInfo.InvariantCulture)}-{sample}-{target}");
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>
    /// Runs <paramref name="build"/> once per <paramref name="key"/> for the whole test run, so that
    /// several tests can each assert one thing about the same (slow) build.
    /// </summary>
    internal BuildResult Shared(string key, Func<BuildResult> build)
    {
        return _sharedBuilds.GetOrAdd(key, _ => new Lazy<BuildResult>(build, LazyThreadSafetyMode.ExecutionAndPublication)).Value;
    }

    private string Pack()
    {
        string project = Path.Combine(Repository.Root, "src", PackageId, PackageId + ".csproj");
        if (!File.Exists(project))
        {
            throw new InvalidOperationException($"{project} does not exist: there is no package to test yet");
        }

        string[] args =
        [
            "pack", project, "-c", "Release", "-o", FeedDirectory,
            "-nodeReuse:false",
            // No compiler server: it would live on in this session after the pack and get killed
            // with it, and another build on the machine might be using it by then.
            "-p:UseSharedCompilation=false",
        ];
        Dictionary<string, string> environment = new Dictionary<string, string>
        {
            ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };

        using SessionProcess pack = SessionProcess.Start(SessionProcess.DotnetHost(), args, Repository.Root, environment);
        bool exited = pack.WaitForExit(s_packTimeout);
        pack.KillSessionAndDrain();
        string log = pack.Output;
        if (!exited)
        {
            throw new InvalidOperationException(
                $"dotnet {string.Join(' ', args)} did not finish within {s_packTimeout.TotalMinutes} min:\n{log}");
        }

        if (pack.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', args)} exited with {pack.ExitCode}:\n{log}");
        }

        return log;
    }

    private string FindVersion()
    {
        // ProcAudit.MSBuild.<version>.nupkg; a symbols package would end in .symbols.nupkg.
        string prefix = PackageId + ".";
        List<string> packages = Directory.GetFiles(FeedDirectory, prefix + "*.nupkg")
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => !name.EndsWith(".symbols.nupkg", StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (packages.Count != 1)
        {
            throw new InvalidOperationException(
                $"expected one {prefix}<version>.nupkg in {FeedDirectory}, found: [{string.Join(", ", packages)}]\n{PackLog}");
        }

        string version = packages[0][prefix.Length..^".nupkg".Length];
        if (version.Length == 0 || !char.IsAsciiDigit(version[0]))
        {
            throw new InvalidOperationException($"cannot read a version from {packages[0]}");
        }

        return version;
    }

    private void DeleteWorkDirectory()
    {
        if (Environment.GetEnvironmentVariable(KeepVariable) == "1")
        {
            return;
        }

        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Cleanup is best effort: a leftover temp directory must not fail the run.
        }
    }
}

/// <summary>
/// One collection for every MSBuild test: they share the packed feed and run one at a time, since
/// each runs a whole `dotnet build` and several measure how long it takes.
/// </summary>
[CollectionDefinition(Name)]
public sealed class MSBuildCollection : ICollectionFixture<PackageFeed>
{
    public const string Name = "MSBuild";
}
