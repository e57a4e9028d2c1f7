using System.Globalization;

namespace ProcAudit.IntegrationTests.Infrastructure;

/// <summary>
/// What a healthy tree's workload has done so far, read from /proc: the tests wait until it is really under way
/// (exec'd, threads started, bytes moved, CPU used) before they audit it, instead of sleeping and hoping.
/// </summary>
internal static class Workload
{
    /// <summary>Long enough for python3 or dotnet to start on a loaded machine.</summary>
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Waits (bounded) until <paramref name="started"/> holds; fails naming <paramref name="what"/> and the tree otherwise.</summary>
    public static void WaitUntilStarted(Scenario tree, string what, Func<bool> started)
    {
        Assert.True(Scenario.WaitUntil(started, s_startTimeout), $"{what} was not under way {s_startTimeout.TotalSeconds} s after the start: {Describe(tree)}");
    }

    /// <summary>Bytes the process has passed to read-like (rchar) or write-like (wchar) calls, from /proc/PID/io; 0 when it cannot be read.</summary>
    public static long Io(int pid, string field)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/io"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    return long.Parse(line[(field.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone, or not ours to read: nothing done as far as the test can tell.
        }

        return 0;
    }

    /// <summary>utime + stime of the process, in clock ticks; 0 when it cannot be read.</summary>
    public static long CpuTicks(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

            // Fields 14 and 15; fields[0] is field 3.
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or IndexOutOfRangeException or FormatException)
        {
            return 0;
        }
    }

    /// <summary>How many threads the process has now.</summary>
    public static int Threads(int pid)
    {
        try
        {
            return Directory.GetDirectories($"/proc/{pid}/task").Length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>The root and its descendants, with their names: what the tree looks like now.</summary>
    public static IReadOnlyList<(int Pid, string Comm)> Processes(Scenario tree)
    {
        return new[] { tree.Pid }.Concat(tree.Descendants())
            .Select(pid => (pid, ProcStat.Read(pid)?.Comm ?? "?"))
            .ToList();
    }

    /// <summary>Whether <paramref name="pid"/> has <paramref name="path"/> open.</summary>
    public static bool HasOpen(int pid, string path)
    {
        try
        {
            return Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Any(fd => new FileInfo(fd).LinkTarget == path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string Describe(Scenario tree)
    {
        return string.Join(", ", Processes(tree).Select(p => $"{p.Pid} {p.Comm} ({CpuTicks(p.Pid)} ticks, rchar {Io(p.Pid, "rchar")}, wchar {Io(p.Pid, "wchar")})"));
    }
}
