using System.Runtime.InteropServices;

namespace ProcAudit.TestSupport;

/// <summary>Signals a test sends on purpose to a process it started (a stopped writer, a resumed one).</summary>
internal static class Signals
{
    public const int SigStop = 19;
    public const int SigCont = 18;

    /// <summary>kill(2); 0 on success.</summary>
    public static int Kill(int pid, int signal) => kill(pid, signal);

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
