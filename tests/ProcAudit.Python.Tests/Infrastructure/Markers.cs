namespace ProcAudit.Python.Tests.Infrastructure;

/// <summary>The `# procaudit:NAME` markers of python-thread-waits.py, so expected lines are never typed in.</summary>
internal static class Markers
{
    private static readonly Lazy<string[]> s_lines = new(() => File.ReadAllLines(GoPrograms.Source("python-thread-waits.py")));

    /// <summary>The 1-based line that ends with the marker <paramref name="name"/>.</summary>
    public static int Line(string name)
    {
        int index = Array.FindIndex(s_lines.Value, l => l.TrimEnd().EndsWith("# procaudit:" + name, StringComparison.Ordinal));
        return index >= 0 ? index + 1 : throw new InvalidOperationException($"no marker {name} in python-thread-waits.py");
    }
}
