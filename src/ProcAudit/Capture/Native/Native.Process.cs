using System.Runtime.InteropServices;

namespace ProcAudit.Capture.Native;

internal static partial class Native
{
    public const int SIGINT = 2;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int PR_SET_CHILD_SUBREAPER = 36;
    public const int WNOHANG = 1;

    [LibraryImport(Libc, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport(Libc, EntryPoint = "prctl", SetLastError = true)]
    public static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Libc, EntryPoint = "waitpid", SetLastError = true)]
    public static unsafe partial int WaitPid(int pid, int* status, int options);
}
