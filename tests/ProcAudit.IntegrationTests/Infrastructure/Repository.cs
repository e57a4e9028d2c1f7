namespace ProcAudit.IntegrationTests.Infrastructure;

/// <summary>Where the repository is: the tests read its schema and pack its tool in place.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        DirectoryInfo? dir = new(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ProcAudit.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("ProcAudit.sln not found above " + AppContext.BaseDirectory);
    }
}
