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
            if (ProcStat.Read(pid) is not ProcStat stat)
            {
                return null;
            }

            // Arguments are NUL-separated; joined with spaces they read like the command typed.
            string commandLine = File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0').Replace('\0', ' ');
            return new ProcessEntry(stat.Pid, stat.Comm, stat.State, stat.PPid, stat.PGrp, stat.Session, stat.StartTime, commandLine);
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
}
