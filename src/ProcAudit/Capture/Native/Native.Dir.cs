using System.Runtime.InteropServices;

namespace ProcAudit.Capture.Native;

internal static unsafe partial class Native
{
    public const int O_DIRECTORY = 0x10000;

    /// <summary>getdents64(2)'s number (x86-64, arm64): called directly, since opendir adds an fstat and an fcntl to every directory a scan lists, some 11,000 at 16x.</summary>
    public static long SYS_getdents64 => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 61 : 217;

    [LibraryImport(Libc, EntryPoint = "readlinkat", SetLastError = true)]
    public static partial nint ReadLinkAt(int dirfd, byte* path, byte* buffer, nuint size);

    /// <summary>struct linux_dirent64 (every 64-bit Linux): d_ino 8, d_off 8, d_reclen 2, d_type 1, then d_name.</summary>
    public const int DirentNameOffset = 19;

    /// <summary>Where d_reclen, the length of the whole entry, sits in struct linux_dirent64.</summary>
    public const int DirentLengthOffset = 16;
}
