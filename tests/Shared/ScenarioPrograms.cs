using System.Reflection;

namespace ProcAudit.TestSupport;

/// <summary>Where tests/ProcAudit.Scenarios (the .NET programs that hang on purpose) was built.</summary>
internal static class ScenarioPrograms
{
    private const string Name = "ProcAudit.Scenarios";

    /// <summary>
    /// The scenarios' own output in the repository, built with the configuration and target framework of
    /// <paramref name="tests"/>: the test projects reference them with ReferenceOutputAssembly=false, so
    /// MSBuild builds them but copies nothing beside the tests.
    /// </summary>
    public static string AssemblyPath(Assembly tests)
    {
        string testDirectory = AppContext.BaseDirectory.TrimEnd('/');
        string targetFramework = Path.GetFileName(testDirectory);
        string configuration = tests.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        DirectoryInfo? directory = new(testDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ProcAudit.sln")))
        {
            directory = directory.Parent;
        }
        if (directory is null)
        {
            throw new InvalidOperationException($"cannot find the repository root (ProcAudit.sln) above {testDirectory}");
        }
        string output = Path.Combine(directory.FullName, "tests", Name, "bin");
        string[] candidates =
        [
            Path.Combine(output, configuration, targetFramework, Name + ".dll"),
            Path.Combine(output, configuration, "net10.0", Name + ".dll"),
        ];
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"{Name}.dll not found; build tests/{Name} ({configuration})", candidates[0]);
    }
}
