using System.Globalization;

namespace ProcAudit.Capture.Procfs;

/// <summary>What the link text of /proc/PID/fd/N names.</summary>
internal readonly record struct FdTarget(string Kind, ulong? Inode);

/// <summary>Classifier for the link text of /proc/PID/fd/N (proc_pid_fd(5)): <c>pipe:[N]</c>, <c>socket:[N]</c>, <c>anon_inode:[eventpoll]</c>, a path.</summary>
internal static class FdLink
{
    public static FdTarget Classify(string target)
    {
        if (TryBracketed(target, "pipe:", out ulong pipe))
        {
            return new FdTarget("pipe", pipe);
        }
        if (TryBracketed(target, "socket:", out ulong socket))
        {
            return new FdTarget("socket", socket);
        }
        if (target.StartsWith("anon_inode:", StringComparison.Ordinal))
        {
            string what = target.Substring("anon_inode:".Length).Trim('[', ']');
            return what switch
            {
                "eventpoll" => new FdTarget("eventpoll", null),
                "eventfd" => new FdTarget("eventfd", null),
                "timerfd" => new FdTarget("timerfd", null),
                "signalfd" => new FdTarget("signalfd", null),
                "inotify" => new FdTarget("inotify", null),
                "pidfd" => new FdTarget("pidfd", null),
                _ => new FdTarget("anon", null),
            };
        }
        if (target.StartsWith("/dev/", StringComparison.Ordinal))
        {
            return new FdTarget("device", null);
        }
        if (target.StartsWith('/'))
        {
            return new FdTarget("file", null);
        }
        return new FdTarget("other", null);
    }

    private static bool TryBracketed(string target, string prefix, out ulong inode)
    {
        inode = 0;
        if (!target.StartsWith(prefix, StringComparison.Ordinal) || target.Length < prefix.Length + 3
            || target[prefix.Length] != '[' || target[^1] != ']')
        {
            return false;
        }
        return ulong.TryParse(target.AsSpan(prefix.Length + 1, target.Length - prefix.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out inode);
    }
}
