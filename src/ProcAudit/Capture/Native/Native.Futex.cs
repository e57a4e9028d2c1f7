using System.Runtime.InteropServices;

namespace ProcAudit.Capture.Native;

internal static unsafe partial class Native
{
    public const int FUTEX_WAIT_PRIVATE = 128;
    public const int FUTEX_WAKE_PRIVATE = 129;
    public const int EAGAIN = 11;
    public const int ETIMEDOUT = 110;

    /// <summary>futex(2)'s number: x86-64 and arm64 differ here (their numbering before 424 is their own).</summary>
    public static long SYS_futex => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 98 : 202;

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // syscall(2) reads every argument as a long: op and value are passed as such, so no stale upper half reaches the kernel.
    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    public static partial long Syscall(long number, int* word, long op, long value, Timespec* timeout);
}
