namespace ProcAudit.Go.Tests.Infrastructure;

/// <summary>Samples the state letters of a process's threads from /proc/PID/task/*/stat.</summary>
internal static class ThreadStates
{
    /// <summary>The state letter of every thread of <paramref name="pid"/> that could be read right now.</summary>
    public static List<char> Sample(int pid)
    {
        List<char> letters = new List<char>();
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{pid}/task");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return letters;
        }

        foreach (string task in tasks)
        {
            try
            {
                string stat = File.ReadAllText(Path.Combine(task, "stat"));
                int close = stat.LastIndexOf(')');
                if (close > 0 && close + 2 < stat.Length)
                {
                    letters.Add(stat[close + 2]);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The thread exited between the listing and the read.
            }
        }

        return letters;
    }
}
