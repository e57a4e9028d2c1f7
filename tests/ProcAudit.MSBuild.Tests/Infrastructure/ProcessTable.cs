using System.Globalization;

namespace ProcAudit.MSBuild.Tests.Infrastructure;

/// <summary>One process as /proc/PID/stat and /proc/PID/cmdline describe it.</summary>
internal sealed record ProcessEntry(int Pid, string Comm, char State, int PPid, int PGrp, int Session, ulong StartTime, string CommandLine)
{
    /// <summary>Zombie or dead: killed already, only waiting for its parent to reap it.</summary>
    public bool IsDead => State is 'Z' or 'X' or 'x';

    public override string ToString()
    {
        return $"{Pid} {Comm} [{State}] ppid {PPid} sid {Session}: {CommandLine}";
    }
}

/// <summary>Reads the process table from /proc, tolerating processes that exit while it is read.</summary>
internal static class ProcessTable
{
    public static ProcessEntry? Read(int pid)
    {
        try
        {
            ProcessEntry? entry = ParseStat(File.ReadAllText($"/proc/{pid}/stat"));
            if (entry is null)
            {
                return null;
            }

            // Arguments are NUL-separated; joined with spaces they read like the command typed.
            string commandLine = File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0').Replace('\0', ' ');
            return entry with { CommandLine = commandLine };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            // The process exited between listing and reading, which is routine.
            return null;
        }
    }

    public static IReadOnlyList<ProcessEntry> ReadAll()
    {
        List<ProcessEntry> result = new List<ProcessEntry>();
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                && Read(pid) is ProcessEntry entry)
            {
                result.Add(entry);
            }
        }

        return result;
    }

    /// <summary>Live (non-zombie) processes whose session id is <paramref name="sessionId"/>.</summary>
    public static IReadOnlyList<ProcessEntry> LiveSessionMembers(int sessionId)
    {
        return ReadAll().Where(p => p.Session == sessionId && !p.IsDead).ToList();
    }

    public static int PidMax()
    {
        return int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim(), CultureInfo.InvariantCulture);
    }

    private static ProcessEntry? ParseStat(string content)
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
        return new ProcessEntry(
            int.Parse(content[..open].Trim(), CultureInfo.InvariantCulture),
            content[(open + 1)..close],
            rest[0][0],
            int.Parse(rest[1], CultureInfo.InvariantCulture),
            int.Parse(rest[2], CultureInfo.InvariantCulture),
            int.Parse(rest[3], CultureInfo.InvariantCulture),
            ulong.Parse(rest[19], CultureInfo.InvariantCulture),
            "");
    }
}
