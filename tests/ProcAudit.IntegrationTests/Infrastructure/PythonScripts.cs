namespace ProcAudit.IntegrationTests.Infrastructure;

/// <summary>A temporary directory of Python scripts a test runs (removed on dispose), and the interpreter to run them with.</summary>
internal sealed class PythonScripts : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("procaudit-python-").FullName;

    /// <summary>The python3 on PATH (Debian's on these machines).</summary>
    public static string Python() =>
        Executables.FindOnPath("python3") ?? throw new InvalidOperationException("python3 is needed for this test and is not on PATH");

    /// <summary>Writes <paramref name="text"/> as <paramref name="name"/> and returns its full path.</summary>
    public string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text + "\n");
        return path;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
