namespace ProcAudit.Benchmarks;

/// <summary>Where the benchmarks find the repository's fixture programs.</summary>
internal static class Repository
{
    /// <summary>tests/fixtures/programs/<paramref name="fileName"/>.</summary>
    public static string Program(string fileName) => Path.Combine(Root(), "tests", "fixtures", "programs", fileName);

    private static string Root()
    {
        DirectoryInfo? directory = new(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ProcAudit.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("ProcAudit.sln not found");
    }
}
