using System.Collections.Immutable;

namespace ProcAudit.Capture.Procfs;

/// <summary>Parser for /proc/PID/cmdline (proc_pid_cmdline(5)): NUL-separated arguments.</summary>
internal static class CmdlineFile
{
    /// <summary>Empty for kernel threads and zombies, whose cmdline is empty.</summary>
    public static ImmutableArray<string> Parse(string text)
    {
        if (text.Length == 0)
        {
            return ImmutableArray<string>.Empty;
        }
        // A trailing NUL ends the last argument; a process that rewrote its argv may have none.
        string body = text.EndsWith('\0') ? text[..^1] : text;
        return body.Split('\0').ToImmutableArray();
    }
}
