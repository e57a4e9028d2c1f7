using System.Runtime.InteropServices;

namespace ProcAudit.Capture.Native;

internal static partial class Native
{
    // Both numbers are the same on x86-64 and arm64: syscalls from 424 on share one numbering.
    public const long SYS_pidfd_open = 434;
    public const long SYS_pidfd_getfd = 438;

    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    public static partial long Syscall(long number, long arg0, long arg1, long arg2);
}
