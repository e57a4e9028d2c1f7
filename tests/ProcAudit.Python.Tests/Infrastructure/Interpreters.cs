using System.Globalization;

namespace ProcAudit.Python.Tests.Infrastructure;

/// <summary>
/// The CPython builds the tests run: pyenv's shared builds under ~/.pyenv/versions (part of these machines' image,
/// as issue 19 records: 2.7, 3.6 to 3.13) and Debian's own /usr/bin/python3.11. A missing one fails the test that
/// needs it, naming it: a reader checked against fewer versions than it claims must not pass quietly.
/// </summary>
internal static class Interpreters
{
    /// <summary>The minor releases the reader supports, each checked against the interpreter's own view.</summary>
    public static TheoryData<string> Supported => new() { "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", Debian };

    /// <summary>Debian's stripped, non-PIE, statically linked python3.11.</summary>
    public const string Debian = "debian-3.11";

    /// <summary>~/.pyenv/versions (or $PYENV_ROOT/versions).</summary>
    public static string PyenvVersions
    {
        get
        {
            string? root = Environment.GetEnvironmentVariable("PYENV_ROOT");
            return Path.Combine(string.IsNullOrEmpty(root) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".pyenv") : root, "versions");
        }
    }

    /// <summary>The interpreter executable of minor release <paramref name="minor"/> ("3.9"), or of <see cref="Debian"/>.</summary>
    public static string Executable(string minor)
    {
        if (minor == Debian)
        {
            const string debian = "/usr/bin/python3.11";
            return Executables.IsExecutableFile(debian)
                ? debian
                : throw new InvalidOperationException($"{debian} is needed (Debian 12's python3.11-minimal): the reader is checked against a stripped, non-PIE interpreter too");
        }

        string home = Home(minor);
        string major = minor.Split('.')[0];
        string executable = Path.Combine(home, "bin", minor == "2.7" ? "python2.7" : $"python{minor}");
        return Executables.IsExecutableFile(executable)
            ? executable
            : throw new InvalidOperationException($"CPython {minor}: {executable} is missing (expected in the pyenv build under {home}; python{major} alone will not do)");
    }

    /// <summary>The pyenv install directory of <paramref name="minor"/>: the newest ~/.pyenv/versions/MINOR.N there is.</summary>
    public static string Home(string minor)
    {
        string versions = PyenvVersions;
        string? newest = Directory.Exists(versions)
            ? Directory.GetDirectories(versions, minor + ".*")
                .Where(d => int.TryParse(Path.GetFileName(d)[(minor.Length + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _))
                .OrderByDescending(d => int.Parse(Path.GetFileName(d)[(minor.Length + 1)..], CultureInfo.InvariantCulture))
                .FirstOrDefault()
            : null;
        return newest ?? throw new InvalidOperationException(
            $"CPython {minor} is not installed: no {versions}/{minor}.N (these machines carry pyenv builds of 2.7 and 3.6 to 3.13; see issue 19)");
    }

    /// <summary>The directory of Python.h for <paramref name="minor"/> (or <see cref="Debian"/>: /usr/include/python3.11).</summary>
    public static string Headers(string minor)
    {
        string directory = minor == Debian ? "/usr/include/python3.11" : Path.Combine(Home(minor), "include", $"python{minor}");
        return File.Exists(Path.Combine(directory, "internal", "pycore_runtime.h")) || File.Exists(Path.Combine(directory, "internal", "pycore_pystate.h"))
            ? directory
            : throw new InvalidOperationException($"CPython {minor}'s internal headers are missing from {directory} (Debian: libpython3.11-dev)");
    }

    /// <summary>The minor release a <see cref="Supported"/> entry stands for ("3.11" for Debian's).</summary>
    public static string Minor(string entry) => entry == Debian ? "3.11" : entry;
}
