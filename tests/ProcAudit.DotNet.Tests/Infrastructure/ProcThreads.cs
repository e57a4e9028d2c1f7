using System.Diagnostics;
using System.Globalization;

namespace ProcAudit.DotNet.Tests.Infrastructure;

/// <summary>What /proc says about a process's threads, read the way the tests need it.</summary>
internal static class ProcThreads
{
    /// <summary>The futex syscall on x86-64: where every .NET wait (monitors, joins, wait handles) ends up.</summary>
    public const int FutexSyscall = 202;

    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>All threads of <paramref name="pid"/> that could be read; empty when the process is gone.</summary>
    public static List<TaskState> Read(int pid)
    {
        List<TaskState> tasks = new List<TaskState>();
        string taskDirectory = $"/proc/{pid}/task";
        IEnumerable<string> directories;
        try
        {
            directories = Directory.EnumerateDirectories(taskDirectory).ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return tasks;
        }

        foreach (string directory in directories)
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int tid))
            {
                continue;
            }

            string? comm = TryRead(directory + "/comm");
            string? stat = TryRead(directory + "/stat");
            string? syscall = TryRead(directory + "/syscall");
            string? status = TryRead(directory + "/status");
            if (comm is null || stat is null)
            {
                continue;
            }

            int? syscallNumber = syscall is not null
                && int.TryParse(syscall.Split(' ')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int number)
                ? number
                : null;
            tasks.Add(new TaskState(tid, comm.TrimEnd('\n'), StateLetter(stat), syscallNumber, ContextSwitches(status)));
        }

        return tasks;
    }

    /// <summary>The state letters of all threads of <paramref name="pid"/>, read as fast as /proc allows.</summary>
    public static List<char> StateLetters(int pid)
    {
        List<char> letters = new List<char>();
        try
        {
            foreach (string directory in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                string? stat = TryRead(directory + "/stat");
                if (stat is not null)
                {
                    letters.Add(StateLetter(stat));
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone: no letters.
        }

        return letters;
    }

    /// <summary>The tid of the thread with this comm, or null.</summary>
    public static int? TidByComm(int pid, string comm)
    {
        string truncated = comm.Length > 15 ? comm[..15] : comm;
        foreach (TaskState task in Read(pid))
        {
            if (task.Comm == truncated)
            {
                return task.Tid;
            }
        }

        return null;
    }

    /// <summary>
    /// Waits until every thread that <paramref name="select"/> picks (at least <paramref name="count"/> of them) sits
    /// in the futex syscall without a single context switch for <paramref name="quiet"/>: blocked, not just passing by.
    /// </summary>
    public static bool WaitUntilBlocked(int pid, Func<TaskState, bool> select, int count, TimeSpan quiet, TimeSpan timeout)
    {
        Stopwatch total = Stopwatch.StartNew();
        Dictionary<int, long>? previous = null;
        Stopwatch still = Stopwatch.StartNew();
        while (total.Elapsed < timeout)
        {
            List<TaskState> picked = Read(pid).Where(select).ToList();
            bool allWaiting = picked.Count >= count && picked.All(static task => task.Syscall == FutexSyscall && task.State == 'S');
            Dictionary<int, long> switches = picked.ToDictionary(static task => task.Tid, static task => task.ContextSwitches);
            bool unchanged = previous is not null
                && previous.Count == switches.Count
                && switches.All(entry => previous.TryGetValue(entry.Key, out long before) && before == entry.Value);
            if (!allWaiting || !unchanged)
            {
                still.Restart();
            }
            else if (still.Elapsed >= quiet)
            {
                return true;
            }

            previous = switches;
            Thread.Sleep(s_pollInterval);
        }

        return false;
    }

    /// <summary>Polls until the condition holds or the timeout passes.</summary>
    public static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        Stopwatch stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            if (stopwatch.Elapsed >= timeout)
            {
                return false;
            }

            Thread.Sleep(s_pollInterval);
        }

        return true;
    }

    public static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static char StateLetter(string stat)
    {
        int close = stat.LastIndexOf(')');
        return close >= 0 && close + 2 < stat.Length ? stat[close + 2] : '?';
    }

    private static long ContextSwitches(string? status)
    {
        long total = 0;
        if (status is null)
        {
            return total;
        }

        foreach (string line in status.Split('\n'))
        {
            if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)
                || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
            {
                total += long.Parse(line[(line.IndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        return total;
    }
}
