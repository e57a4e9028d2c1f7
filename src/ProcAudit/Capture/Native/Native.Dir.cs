using System.Runtime.InteropServices;

namespace ProcAudit.Capture.Native;

internal static unsafe partial class Native
{
    public const int O_DIRECTORY = 0x10000;

    [LibraryImport(Libc, EntryPoint = "fdopendir", SetLastError = true)]
    public static partial nint FdOpenDir(int fd);

    [LibraryImport(Libc, EntryPoint = "readdir64", SetLastError = true)]
    public static partial byte* ReadDir(nint dir);

    [LibraryImport(Libc, EntryPoint = "closedir", SetLastError = true)]
    public static partial int CloseDir(nint dir);

    [LibraryImport(Libc, EntryPoint = "dirfd", SetLastError = true)]
    public static partial int DirFd(nint dir);

    [LibraryImport(Libc, EntryPoint = "readlinkat", SetLastError = true)]
    public static partial nint ReadLinkAt(int dirfd, byte* path, byte* buffer, nuint size);

    /// <summary>struct dirent64 (glibc, every 64-bit Linux): d_ino 8, d_off 8, d_reclen 2, d_type 1, then d_name.</summary>
    public const int DirentNameOffset = 19;
}
