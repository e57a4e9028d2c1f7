using System.Globalization;

namespace ProcAudit.Capture.Procfs;

/// <summary>What the link text of /proc/PID/fd/N names.</summary>
internal readonly record struct FdTarget(FdKind Kind, ulong? Inode);

/// <summary>Classifier for the link text of /proc/PID/fd/N (proc_pid_fd(5)): <c>pipe:[N]</c>, <c>socket:[N]</c>, <c>anon_inode:[eventpoll]</c>, a path.</summary>
internal static class FdLink
{
    public static FdTarget Classify(string target)
    {
        if (TryBracketed(target, "pipe:", out ulong pipe))
        {
            return new FdTarget(FdKind.Pipe, pipe);
        }
        if (TryBracketed(target, "socket:", out ulong socket))
        {
            return new FdTarget(FdKind.Socket, socket);
        }
        if (target.StartsWith("anon_inode:", StringComparison.Ordinal))
        {
            string what = target.Substring("anon_inode:".Length).Trim('[', ']');
            return what switch
            {
                "eventpoll" => new FdTarget(FdKind.Eventpoll, null),
                "eventfd" => new FdTarget(FdKind.Eventfd, null),
                "timerfd" => new FdTarget(FdKind.Timerfd, null),
                "signalfd" => new FdTarget(FdKind.Signalfd, null),
                "inotify" => new FdTarget(FdKind.Inotify, null),
                "pidfd" => new FdTarget(FdKind.Pidfd, null),
                _ => new FdTarget(FdKind.Anon, null),
            };
        }
        if (target.StartsWith("/dev/", StringComparison.Ordinal))
        {
            return new FdTarget(FdKind.Device, null);
        }
        if (target.StartsWith('/'))
        {
            return new FdTarget(FdKind.File, null);
        }
        return new FdTarget(FdKind.Other, null);
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
