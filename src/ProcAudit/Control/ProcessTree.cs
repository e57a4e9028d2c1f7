using ProcAudit.Capture.Native;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Control;

/// <summary>
/// What <c>procaudit run</c> does to the tree it started, and only when asked: adopt escaped
/// descendants as a child subreaper, signal the whole tree, reap adopted zombies. The audit
/// itself never signals anything.
/// </summary>
public static class ProcessTree
{
    /// <summary>Makes this process the child subreaper, so descendants that double-fork are reparented here instead of to pid 1.</summary>
    /// <returns>False when the kernel refused (then escaped descendants cannot be followed).</returns>
    public static bool BecomeSubreaper() => Native.Prctl(Native.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;

    /// <summary>The pids under <paramref name="root"/>, and, when <paramref name="adopter"/> is given, every other descendant of the adopter; deepest first.</summary>
    public static IReadOnlyList<int> Members(int root, int? adopter)
    {
        ProcfsReader procfs = new();
        Dictionary<int, List<int>> children = new();
        foreach (int pid in procfs.ListNumbers("", out _))
        {
            ProcText text = procfs.ReadText($"{pid}/stat");
            if (text.Ok && StatFile.Parse(text.Text!) is StatRecord s)
            {
                if (!children.TryGetValue(s.PPid, out List<int>? list))
                {
                    children[s.PPid] = list = new List<int>();
                }
                list.Add(pid);
            }
        }
        List<int> order = new() { root };
        if (adopter is int a && children.TryGetValue(a, out List<int>? adopted))
        {
            order.AddRange(adopted.Where(p => p != root));
        }
        for (int i = 0; i < order.Count; i++)
        {
            if (children.TryGetValue(order[i], out List<int>? kids))
            {
                order.AddRange(kids.Where(k => !order.Contains(k)));
            }
        }
        order.Reverse();
        return order;
    }

    /// <summary>Sends <paramref name="signal"/> to every member (see <see cref="Members"/>); returns how many were signalled.</summary>
    public static int Signal(int root, int? adopter, int signal)
    {
        int sent = 0;
        foreach (int pid in Members(root, adopter))
        {
            if (Native.Kill(pid, signal) == 0)
            {
                sent++;
            }
        }
        return sent;
    }

    /// <summary>SIGKILL for the whole tree, repeated until nothing is left or the bound passes (a tree may fork while dying).</summary>
    public static void KillAll(int root, int? adopter, TimeSpan bound)
    {
        DateTime until = DateTime.UtcNow + bound;
        while (Signal(root, adopter, Native.SIGKILL) > 0 && DateTime.UtcNow < until)
        {
            ReapAdopted(exceptPid: root);
            Thread.Sleep(20);
        }
        ReapAdopted(exceptPid: root);
    }

    /// <summary>
    /// Reaps zombie children of this process other than <paramref name="exceptPid"/> (whose exit
    /// status belongs to whoever started it): adopted orphans have nobody else to reap them.
    /// </summary>
    public static unsafe int ReapAdopted(int exceptPid)
    {
        ProcfsReader procfs = new();
        int self = Environment.ProcessId;
        int reaped = 0;
        foreach (int pid in procfs.ListNumbers("", out _))
        {
            if (pid == exceptPid)
            {
                continue;
            }
            ProcText text = procfs.ReadText($"{pid}/stat");
            if (text.Ok && StatFile.Parse(text.Text!) is { State: "Z" } s && s.PPid == self)
            {
                int status;
                if (Native.WaitPid(pid, &status, Native.WNOHANG) == pid)
                {
                    reaped++;
                }
            }
        }
        return reaped;
    }
}
