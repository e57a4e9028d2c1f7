using System.Runtime.InteropServices;

namespace ProcAudit.Capture.Syscalls;

/// <summary>Linux CPU architectures whose syscall numbering ProcAudit knows.</summary>
public enum SyscallArch
{
    /// <summary>x86-64 (amd64), native 64-bit ABI.</summary>
    X64,

    /// <summary>arm64 (aarch64), which uses the kernel's generic syscall table.</summary>
    Arm64,
}


/// <summary>Linux syscall number to name mapping for the architectures in <see cref="SyscallArch"/>.</summary>
/// <remarks>
/// The name arrays live in the generated SyscallTable.*.g.cs files (tools/gen-syscalls.py).
/// They cover each architecture's native 64-bit ABI only: a 32-bit (compat) task reports
/// compat numbers in /proc/&lt;pid&gt;/syscall, which these tables would misname.
/// </remarks>
internal static partial class SyscallTable
{
    // Built on first reverse lookup (most runs only map numbers to names). Not field initializers:
    // the name arrays are declared in other partial files, so initializer order would be fragile.
    private static Dictionary<string, long>? s_x64Numbers;
    private static Dictionary<string, long>? s_arm64Numbers;

    /// <summary>The syscall numbering of the running process, or null when it is not Linux on x86-64 or arm64.</summary>
    public static SyscallArch? Current { get; } = DetectCurrent();

    /// <summary>Name of syscall <paramref name="number"/> on <paramref name="arch"/>, or null if no syscall has that number.</summary>
    public static string? Name(SyscallArch arch, long number)
    {
        string?[] names = NamesFor(arch);
        if (number < 0 || number >= names.Length)
        {
            return null;
        }

        return names[number];
    }

    /// <summary>Number of syscall <paramref name="name"/> (e.g. "read") on <paramref name="arch"/>, or null if that architecture has no such syscall.</summary>
    public static long? Number(SyscallArch arch, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        // A racing second build is harmless: both results are identical and never mutated.
        Dictionary<string, long> numbers = arch switch
        {
            SyscallArch.X64 => LazyInitializer.EnsureInitialized(ref s_x64Numbers, static () => BuildReverse(s_x64Names)),
            SyscallArch.Arm64 => LazyInitializer.EnsureInitialized(ref s_arm64Numbers, static () => BuildReverse(s_arm64Names)),
            _ => throw new ArgumentOutOfRangeException(nameof(arch), arch, "Unknown syscall architecture."),
        };
        return numbers.TryGetValue(name, out long number) ? number : null;
    }

    /// <summary>What the first argument of syscall <paramref name="name"/> means; <see cref="SyscallShape.Other"/> for unknown names.</summary>
    public static SyscallShape Shape(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name switch
        {
            "read" or "readv" or "pread64" or "preadv" or "preadv2"
                or "recvfrom" or "recvmsg" or "recvmmsg" => SyscallShape.FdRead,

            // sendfile's arg0 is the destination fd, so it blocks like a write on it.
            "write" or "writev" or "pwrite64" or "pwritev" or "pwritev2"
                or "sendto" or "sendmsg" or "sendmmsg" or "sendfile" => SyscallShape.FdWrite,

            // splice/tee/copy_file_range move data between two fds, so arg0 alone does not say
            // which side is stuck; the rest can block on a lock, a peer, or slow (FUSE/NFS) storage.
            "flock" or "fcntl" or "accept" or "accept4" or "connect" or "ioctl"
                or "fsync" or "fdatasync" or "sync_file_range" or "syncfs"
                or "fallocate" or "ftruncate" or "getdents" or "getdents64"
                or "splice" or "tee" or "vmsplice" or "copy_file_range"
                or "io_uring_enter" => SyscallShape.FdOther,

            "wait4" or "waitid" => SyscallShape.Wait,

            "select" or "pselect6" or "poll" or "ppoll"
                or "epoll_wait" or "epoll_pwait" or "epoll_pwait2" => SyscallShape.Poll,

            "futex" or "futex_waitv" => SyscallShape.Futex,

            "nanosleep" or "clock_nanosleep" or "pause"
                or "rt_sigsuspend" or "rt_sigtimedwait" => SyscallShape.Sleep,

            _ => SyscallShape.Other,
        };
    }

    private static string?[] NamesFor(SyscallArch arch)
    {
        return arch switch
        {
            SyscallArch.X64 => s_x64Names,
            SyscallArch.Arm64 => s_arm64Names,
            _ => throw new ArgumentOutOfRangeException(nameof(arch), arch, "Unknown syscall architecture."),
        };
    }

    private static Dictionary<string, long> BuildReverse(string?[] names)
    {
        Dictionary<string, long> numbers = new(names.Length, StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
        {
            string? name = names[i];
            if (name is not null)
            {
                numbers.Add(name, i);
            }
        }

        return numbers;
    }

    private static SyscallArch? DetectCurrent()
    {
        // The tables are Linux numbering; an arm64 macOS process shares the CPU but not the ABI.
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        return RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => SyscallArch.X64,
            Architecture.Arm64 => SyscallArch.Arm64,
            _ => null,
        };
    }
}
