using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ProcAudit.TestSupport;

/// <summary>
/// Cleanup of the sessions the tests start their processes in (each helper starts its program under setsid, so
/// the program's pid is also its session and process group id), and the last-chance cleanup at test host exit.
/// </summary>
internal static class Sessions
{
    private const int Sigkill = 9;
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly ConcurrentDictionary<IDisposable, byte> s_live = new ConcurrentDictionary<IDisposable, byte>(ReferenceEqualityComparer.Instance);

    static Sessions()
    {
        // A test that crashed, or that xunit abandoned at its Timeout, never reaches its finally: whatever it
        // started dies with the test host instead of outliving the run.
        AppDomain.CurrentDomain.ProcessExit += static (_, _) =>
        {
            foreach (IDisposable owner in s_live.Keys)
            {
                owner.Dispose();
            }
        };
    }

    /// <summary>Disposes <paramref name="owner"/> when the test host exits, unless <see cref="Forget"/> came first.</summary>
    public static void DisposeAtExit(IDisposable owner)
    {
        s_live.TryAdd(owner, 0);
    }

    public static void Forget(IDisposable owner)
    {
        s_live.TryRemove(owner, out _);
    }

    /// <summary>Live (non-zombie) processes in session <paramref name="sessionId"/>.</summary>
    public static IReadOnlyList<ProcStat> LiveMembers(int sessionId)
    {
        return ProcStat.ReadAll().Where(s => s.Session == sessionId && !s.IsDead).ToList();
    }

    /// <summary>Polls up to <paramref name="settle"/> for the session to empty; what is still there is returned.</summary>
    public static IReadOnlyList<ProcStat> MembersAfter(int sessionId, TimeSpan settle)
    {
        Stopwatch waited = Stopwatch.StartNew();
        IReadOnlyList<ProcStat> members = LiveMembers(sessionId);
        while (members.Count > 0 && waited.Elapsed < settle)
        {
            Thread.Sleep(s_pollInterval);
            members = LiveMembers(sessionId);
        }

        return members;
    }

    /// <summary>
    /// SIGKILLs the group <paramref name="sessionId"/> (only while <paramref name="leaderIsOurs"/>: once the leader
    /// is reaped its pid may be a stranger's), then every member of the session, until none is left or
    /// <paramref name="bound"/> elapsed.
    /// </summary>
    public static void KillAll(int sessionId, bool leaderIsOurs, TimeSpan bound)
    {
        if (leaderIsOurs)
        {
            kill(-sessionId, Sigkill);
        }

        // Members that moved to another process group (job control, setpgid) escape kill(-pgid) but keep the
        // session. The kernel does not hand out a pid while it is still a session id, so these are ours. Loop:
        // a member may fork between the scan and the kill.
        Stopwatch waited = Stopwatch.StartNew();
        while (true)
        {
            IReadOnlyList<ProcStat> members = LiveMembers(sessionId);
            if (members.Count == 0 || waited.Elapsed >= bound)
            {
                return;
            }

            foreach (ProcStat member in members)
            {
                kill(member.Pid, Sigkill);
            }

            Thread.Sleep(s_pollInterval);
        }
    }

    /// <summary>
    /// Kills the session of <paramref name="leader"/>, a process this test host started under setsid, and waits
    /// (bounded) for the leader to be reaped; never throws, as it runs in finally blocks and at host exit, where a
    /// failed cleanup must not hide the test's own outcome.
    /// </summary>
    public static void KillQuietly(Process leader, TimeSpan bound)
    {
        try
        {
            // Until .NET has seen the exit, the leader is unreaped and its pid still ours.
            KillAll(leader.Id, leaderIsOurs: !leader.HasExited, bound);
            leader.WaitForExit(bound);
        }
        catch (Exception)
        {
            // See above: cleanup is best effort.
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
