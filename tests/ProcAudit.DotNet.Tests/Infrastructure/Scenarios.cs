namespace ProcAudit.DotNet.Tests.Infrastructure;

/// <summary>Starting a hanging scenario and waiting until the threads that matter are blocked.</summary>
internal static class Scenarios
{
    /// <summary>Long enough for a cold `dotnet` start on a loaded CI machine.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>No context switch for this long while in futex means blocked, not passing through.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    /// <summary>Generous, because test projects run in parallel; the calls themselves bound their own time.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);

    /// <summary>Starts <paramref name="verb"/> and waits until the named threads (comm) are all blocked in futex.</summary>
    public static HangingProcess StartBlocked(string verb, params string[] threadNames)
    {
        HangingProcess process = HangingProcess.StartScenario(verb);
        try
        {
            bool blocked = ProcThreads.WaitUntilBlocked(
                process.Pid,
                task => threadNames.Contains(task.Comm, StringComparer.Ordinal),
                threadNames.Length,
                Quiet,
                StartTimeout);
            Assert.True(blocked, $"{verb} ({process.Pid}): threads {string.Join(", ", threadNames)} never all blocked in futex; threads: {Describe(process.Pid)}");
            return process;
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    /// <summary>Starts <paramref name="verb"/> and waits until its main thread (tid == pid) is blocked in futex.</summary>
    public static HangingProcess StartWithMainThreadBlocked(string verb)
    {
        HangingProcess process = HangingProcess.StartScenario(verb);
        try
        {
            int pid = process.Pid;
            bool blocked = ProcThreads.WaitUntilBlocked(pid, task => task.Tid == pid, 1, Quiet, StartTimeout);
            Assert.True(blocked, $"{verb} ({pid}): the main thread never blocked in futex; threads: {Describe(pid)}");
            return process;
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    public static string Describe(int pid)
    {
        return string.Join("; ", ProcThreads.Read(pid).Select(static task => $"{task.Tid} '{task.Comm}' {task.State} syscall {task.Syscall?.ToString() ?? "-"}"));
    }
}
