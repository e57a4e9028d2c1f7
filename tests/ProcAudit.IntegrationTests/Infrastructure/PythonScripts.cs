namespace ProcAudit.IntegrationTests.Infrastructure;

/// <summary>Python test programs: the interpreter on PATH, and scripts written into a test's directory.</summary>
internal static class PythonScripts
{
    /// <summary>python3 from PATH.</summary>
    public static string Python3() =>
        Executables.FindOnPath("python3") ?? throw new InvalidOperationException("python3 is needed for this test and is not on PATH");

    /// <summary>Writes <paramref name="text"/> (plus a newline) as <paramref name="dir"/>/<paramref name="name"/>; returns its path.</summary>
    public static string Write(string dir, string name, string text)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, text + "\n");
        return path;
    }
}
