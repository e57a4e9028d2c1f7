namespace ProcAudit.Go.Tests.Infrastructure;

/// <summary>Finds `// procaudit:NAME` markers in a fixture's source, so expected lines are never hard-coded.</summary>
internal static class SourceMarkers
{
    /// <summary>The 1-based line of the marker <paramref name="name"/> in <paramref name="sourcePath"/>.</summary>
    public static int Line(string sourcePath, string name)
    {
        string[] lines = File.ReadAllLines(sourcePath);
        string marker = "// procaudit:" + name;
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimEnd().EndsWith(marker, StringComparison.Ordinal))
            {
                return i + 1;
            }
        }

        throw new InvalidOperationException($"marker {marker} not found in {sourcePath}");
    }
}
