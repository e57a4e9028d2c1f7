using System.Globalization;
using System.Text.RegularExpressions;

namespace ProcAudit.Python;

/// <summary>A CPython version: major.minor, and the micro release when the binary or the running interpreter tells it.</summary>
internal readonly partial record struct PythonVersion(int Major, int Minor, int? Micro)
{
    /// <summary>The oldest minor release whose layout this reader knows.</summary>
    public static readonly PythonVersion Oldest = new(3, 8, null);

    /// <summary>The newest minor release whose layout this reader knows (3.14 changed _Py_DebugOffsets).</summary>
    public static readonly PythonVersion Newest = new(3, 13, null);

    /// <summary>True for 3.8 to 3.13.</summary>
    public bool Supported => Major == 3 && Minor >= Oldest.Minor && Minor <= Newest.Minor;

    /// <summary>From PY_VERSION_HEX (0x030b07f0 is 3.11.7 final).</summary>
    public static PythonVersion FromHex(ulong hex) => new((int)((hex >> 24) & 0xff), (int)((hex >> 16) & 0xff), (int)((hex >> 8) & 0xff));

    /// <summary>From a file name such as libpython3.9.so.1.0, libpython3.7m.so.1.0 or python3.11; null when it has none.</summary>
    public static PythonVersion? FromFileName(string path)
    {
        Match match = FileNamePattern().Match(Path.GetFileName(path));
        return match.Success
            ? new PythonVersion(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), null)
            : null;
    }

    /// <summary>From the start of Py_GetVersion()'s text ("3.9.18 (main, ...)"); null unless it begins with a version.</summary>
    public static PythonVersion? FromText(string text)
    {
        Match match = TextPattern().Match(text);
        return match.Success
            ? new PythonVersion(
                int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
                int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture),
                int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture))
            : null;
    }

    /// <summary>True when both name the same minor release.</summary>
    public bool SameMinor(PythonVersion other) => Major == other.Major && Minor == other.Minor;

    /// <inheritdoc />
    public override string ToString() => Micro is null ? $"{Major}.{Minor}" : $"{Major}.{Minor}.{Micro}";

    [GeneratedRegex(@"^(?:lib)?python(\d)\.(\d{1,2})")]
    private static partial Regex FileNamePattern();

    [GeneratedRegex(@"^(\d)\.(\d{1,2})\.(\d{1,2})[^\d]")]
    private static partial Regex TextPattern();
}
