namespace ProcAudit.Capture.Procfs;

/// <summary>Parser for /proc/PID/task/TID/wchan (proc_pid_wchan(5)).</summary>
internal static class WchanFile
{
    /// <summary>The kernel function name, or null when the thread is not sleeping ("0" or empty).</summary>
    public static string? Parse(string text)
    {
        string t = text.Trim();
        return t.Length == 0 || t == "0" ? null : t;
    }
}
