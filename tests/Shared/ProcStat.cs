using System.Globalization;

namespace ProcAudit.TestSupport;

/// <summary>
/// The fields of /proc/PID/stat the tests need to find and clean up their process trees. The tests read them
/// with this parser of their own rather than the product's, so a bug there cannot hide a leaked process.
/// Linked into each test project that starts processes (tests/Shared).
/// </summary>
internal readonly record struct ProcStat(int Pid, string Comm, char State, int PPid, int PGrp, int Session, ulong StartTime)
{
    /// <summary>Zombie or dead: killed already, only waiting for its parent to reap it.</summary>
    public bool IsDead => State is 'Z' or 'X' or 'x';

    /// <summary>The process's stat, or null when it is gone (processes exit while they are read, routinely).</summary>
    public static ProcStat? Read(int pid)
    {
        try
        {
            return Parse(File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>Every process on the machine that could be read.</summary>
    public static IReadOnlyList<ProcStat> ReadAll()
    {
        List<ProcStat> result = new();
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                && Read(pid) is ProcStat stat)
            {
                result.Add(stat);
            }
        }

        return result;
    }

    public static ProcStat? Parse(string content)
    {
        // comm may itself contain spaces and parentheses; only the last ')' ends it.
        int open = content.IndexOf('(');
        int close = content.LastIndexOf(')');
        if (open < 0 || close < open || close + 2 > content.Length)
        {
            return null;
        }

        string[] rest = content[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length < 20 || rest[0].Length != 1)
        {
            return null;
        }

        // rest[0] is field 3 (state); field N is rest[N - 3].
        return new ProcStat(
            int.Parse(content[..open].Trim(), CultureInfo.InvariantCulture),
            content[(open + 1)..close],
            rest[0][0],
            int.Parse(rest[1], CultureInfo.InvariantCulture),
            int.Parse(rest[2], CultureInfo.InvariantCulture),
            int.Parse(rest[3], CultureInfo.InvariantCulture),
            ulong.Parse(rest[19], CultureInfo.InvariantCulture));
    }
}
