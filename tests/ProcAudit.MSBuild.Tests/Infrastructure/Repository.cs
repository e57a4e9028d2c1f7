namespace ProcAudit.MSBuild.Tests.Infrastructure;

/// <summary>Where the repository is: the tests pack its package, copy its samples and read its schema in place.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    public static string SamplesDirectory => Path.Combine(Root, "tests", "msbuild-samples");

    public static string ReportSchema => Path.Combine(Root, "docs", "report.schema.json");

    private static string Find()
    {
        DirectoryInfo? directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ProcAudit.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName
            ?? throw new InvalidOperationException("ProcAudit.sln not found above " + AppContext.BaseDirectory);
    }
}
