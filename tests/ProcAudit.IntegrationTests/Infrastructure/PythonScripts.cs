namespace ProcAudit.IntegrationTests.Infrastructure;

/// <summary>A temporary directory of Python scripts a test runs, removed on dispose (after the scenario that ran them, declared later, is gone).</summary>
internal sealed class PythonScripts : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("procaudit-python-").FullName;

    /// <summary>Writes <paramref name="text"/> as <paramref name="name"/> and returns its full path.</summary>
    public string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text + "\n");
        return path;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
