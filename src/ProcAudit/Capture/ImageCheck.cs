using ProcAudit.Capture.Procfs;

namespace ProcAudit.Capture;

/// <summary>What became of a process between two readings of its stat.</summary>
internal enum ImageChange
{
    /// <summary>The same program image: what was read in between belongs together.</summary>
    Same,

    /// <summary>It exited (or is a zombie): what was read before stands, the rest is missing.</summary>
    Exited,

    /// <summary>It exited and another process took its pid: what was read may be the stranger's.</summary>
    PidReused,

    /// <summary>It exec'd: a name read before and a command line read after belong to two programs.</summary>
    Execed,
}

/// <summary>
/// Compares two stat readings of one pid taken around the reads of its fds, threads and command
/// line. exec keeps the pid and the start time but gives a new comm (unless the new program has the
/// same name) and a new stack and argument area, placed at random; so a change of any of them
/// while the start time stays is an exec.
/// </summary>
internal static class ImageCheck
{
    /// <summary>The change from <paramref name="before"/> to <paramref name="after"/> (null: stat could no longer be read).</summary>
    public static ImageChange Compare(StatRecord before, StatRecord? after)
    {
        if (after is null || after.State is "Z" or "X" or "x")
        {
            return ImageChange.Exited;
        }
        if (after.Pid != before.Pid || after.StartTime != before.StartTime)
        {
            return ImageChange.PidReused;
        }
        bool same = after.Comm == before.Comm
            && after.StartStack == before.StartStack
            && after.ArgStart == before.ArgStart
            && after.ArgEnd == before.ArgEnd;
        return same ? ImageChange.Same : ImageChange.Execed;
    }
}
