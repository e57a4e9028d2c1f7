using System.Runtime.InteropServices;

namespace ProcAudit.Capture.Native;

/// <summary>
/// The few libc calls /proc text cannot replace. Constants keep their C names; values are the
/// Linux generic ones, which x86-64 and arm64 share for everything used here.
/// </summary>
internal static unsafe partial class Native
{
    private const string Libc = "libc";

    public const int O_RDONLY = 0;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;
    public const int O_NOFOLLOW = 0x20000;
    public const int O_PATH = 0x200000;

    public const int F_GETPIPE_SZ = 1032;
    public const uint FIONREAD = 0x541B;

    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EACCES = 13;
    public const int EPERM = 1;
    public const int ENXIO = 6;
    public const int ENOTDIR = 20;

    public const uint S_IFMT = 0xF000;
    public const uint S_IFIFO = 0x1000;

    [LibraryImport(Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Libc, EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int OpenAt(int dirfd, string path, int flags);

    [LibraryImport(Libc, EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ReadLinkAt(int dirfd, string path, byte* buffer, nuint size);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe2(int* fds, int flags);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    public const int EINTR = 4;

    [LibraryImport(Libc, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int cmd);

    [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, int* value);

    [LibraryImport(Libc, EntryPoint = "readlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint Readlink(string path, byte* buffer, nuint size);

    /// <summary>statx is used rather than fstat because its struct layout is the same on every architecture.</summary>
    [LibraryImport(Libc, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Statx(int dirfd, string path, int flags, uint mask, StatxBuffer* buffer);

    /// <summary>statx of an entry of an open directory (a link of an fd/ directory, with AT_SYMLINK_NOFOLLOW).</summary>
    [LibraryImport(Libc, EntryPoint = "statx", SetLastError = true)]
    public static partial int StatxAt(int dirfd, byte* path, int flags, uint mask, StatxBuffer* buffer);

    public const int AT_FDCWD = -100;
    public const uint STATX_MTIME = 0x40;
    public const uint STATX_SIZE = 0x200;
    public const int AT_EMPTY_PATH = 0x1000;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const uint STATX_MODE = 0x2;
    public const uint S_IRUSR = 0x100;
    public const uint S_IWUSR = 0x80;
    public const uint STATX_TYPE = 0x1;
    public const uint STATX_INO = 0x100;

    /// <summary>struct statx (include/uapi/linux/stat.h), 256 bytes; only the head is read.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct StatxBuffer
    {
        [FieldOffset(0)] public uint Mask;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Ino;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(112)] public long MtimeSeconds;
        [FieldOffset(120)] public uint MtimeNanoseconds;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
    }
}
