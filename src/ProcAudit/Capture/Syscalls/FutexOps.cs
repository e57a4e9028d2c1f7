namespace ProcAudit.Capture.Syscalls;

/// <summary>The futex(2) operation codes and flags (include/uapi/linux/futex.h) the capture reads.</summary>
internal static class FutexOps
{
    public const ulong Wait = 0;
    public const ulong LockPi = 6;
    public const ulong WaitBitset = 9;
    public const ulong WaitRequeuePi = 11;
    public const ulong LockPi2 = 13;
    public const ulong PrivateFlag = 128;
    public const ulong ClockRealtime = 256;

    /// <summary>The command of an op word, without the private and clock flags.</summary>
    public static ulong Command(ulong op) => op & ~(PrivateFlag | ClockRealtime);
}
