using System.Globalization;
using System.IO.Enumeration;
using System.Runtime.InteropServices;

namespace ProcAudit.Benchmarks;

/// <summary>
/// The floor of a machine-wide holder scan (issue 9): list /proc, list every /proc/PID/fd and
/// readlink every fd, and nothing else. Linux keeps no index from an inode to the fds that hold
/// it, so no audit that names every holder of a pipe can do less.
/// <para>
/// <see cref="Scan"/> is the floor the budget is measured against: getdents64 on each directory
/// and readlink("/proc/PID/fd/N") into a stack buffer, the same syscalls as a C program doing
/// only this (bench/state/fdfloor.c). Not .NET's directory enumeration: for every symlink entry
/// it also calls lstat and stat (to tell whether the link points to a directory), which on
/// /proc/PID/fd costs two more path walks per fd; <see cref="ScanDirectoryApi"/> shows that cost.
/// </para>
/// </summary>
internal static unsafe partial class ReadlinkFloor
{
    [LibraryImport("libc", EntryPoint = "readlink", SetLastError = true)]
    private static partial nint Readlink(byte* path, byte* buffer, nuint size);

    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true)]
    private static partial nint Readlinkat(int dirfd, byte* path, byte* buffer, nuint size);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    private static partial int Open(byte* path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial nint Syscall(nint number, nint a, nint b, nint c);

    private const int O_RDONLY_DIRECTORY_CLOEXEC = 0x10000 | 0x80000;
    private static readonly nint SYS_getdents64 = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 61 : 217;

    /// <summary>The floor: getdents64 + readlink of the full path, one thread. Returns the number of fds read.</summary>
    public static long Scan() => ScanGetdents(at: false, threads: 1);

    /// <summary>
    /// Leaner than the floor: readlinkat(fd of /proc/PID/fd, "N") skips the path walk through
    /// /proc and /proc/PID for every fd; over <paramref name="threads"/> threads.
    /// </summary>
    public static long ScanAt(int threads) => ScanGetdents(at: true, threads);

    private static long ScanGetdents(bool at, int threads)
    {
        int[] pids = ListPids();
        if (threads <= 1)
        {
            return ScanRange(pids, at, 0, 1);
        }
        long total = 0;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads },
            t => Interlocked.Add(ref total, ScanRange(pids, at, t, threads)));
        return total;
    }

    private static int[] ListPids()
    {
        List<int> pids = new(4096);
        byte* dents = stackalloc byte[32768];
        byte* proc = stackalloc byte[] { (byte)'/', (byte)'p', (byte)'r', (byte)'o', (byte)'c', 0 };
        int dir = Open(proc, O_RDONLY_DIRECTORY_CLOEXEC);
        if (dir < 0)
        {
            throw new IOException("cannot open /proc");
        }
        try
        {
            nint n;
            while ((n = Syscall(SYS_getdents64, dir, (nint)dents, 32768)) > 0)
            {
                for (nint off = 0; off < n;)
                {
                    ushort reclen = *(ushort*)(dents + off + 16);
                    int pid = ParseNumber(dents + off + 19);
                    if (pid > 0)
                    {
                        pids.Add(pid);
                    }
                    off += reclen;
                }
            }
        }
        finally
        {
            Close(dir);
        }
        return pids.ToArray();
    }

    private static int ParseNumber(byte* name)
    {
        int n = 0;
        int i = 0;
        for (; name[i] != 0; i++)
        {
            if (name[i] is < (byte)'0' or > (byte)'9' || i > 9)
            {
                return -1;
            }
            n = (n * 10) + (name[i] - '0');
        }
        return i == 0 ? -1 : n;
    }

    private static int WriteNumber(byte* at, int value)
    {
        byte* tmp = stackalloc byte[12];
        int len = 0;
        do
        {
            tmp[len++] = (byte)('0' + (value % 10));
            value /= 10;
        }
        while (value != 0);
        for (int i = 0; i < len; i++)
        {
            at[i] = tmp[len - 1 - i];
        }
        return len;
    }

    private static long ScanRange(int[] pids, bool at, int start, int step)
    {
        long fds = 0;
        byte* path = stackalloc byte[64];
        byte* target = stackalloc byte[4096];
        byte* dents = stackalloc byte[32768];
        for (int i = start; i < pids.Length; i += step)
        {
            // "/proc/PID/fd"
            int head = 0;
            foreach (byte b in "/proc/"u8)
            {
                path[head++] = b;
            }
            head += WriteNumber(path + head, pids[i]);
            foreach (byte b in "/fd"u8)
            {
                path[head++] = b;
            }
            path[head] = 0;
            int dir = Open(path, O_RDONLY_DIRECTORY_CLOEXEC);
            if (dir < 0)
            {
                continue; // exited, or not ours to read
            }
            path[head++] = (byte)'/';
            try
            {
                nint n;
                while ((n = Syscall(SYS_getdents64, dir, (nint)dents, 32768)) > 0)
                {
                    for (nint off = 0; off < n;)
                    {
                        ushort reclen = *(ushort*)(dents + off + 16);
                        byte* name = dents + off + 19;
                        off += reclen;
                        if (name[0] is < (byte)'0' or > (byte)'9')
                        {
                            continue;
                        }
                        nint len;
                        if (at)
                        {
                            len = Readlinkat(dir, name, target, 4096);
                        }
                        else
                        {
                            int k = head;
                            for (byte* c = name; *c != 0; c++)
                            {
                                path[k++] = *c;
                            }
                            path[k] = 0;
                            len = Readlink(path, target, 4096);
                        }
                        if (len >= 0)
                        {
                            fds++;
                        }
                    }
                }
            }
            finally
            {
                Close(dir);
            }
        }
        return fds;
    }

    private static readonly EnumerationOptions Options = new()
    {
        RecurseSubdirectories = false,
        IgnoreInaccessible = true,
        AttributesToSkip = 0,
        ReturnSpecialDirectories = false,
    };

    /// <summary>
    /// The same scan through .NET's directory API (FileSystemEnumerable, names parsed from spans,
    /// no string per entry) + readlink by P/Invoke: what the API itself adds (lstat + stat per fd).
    /// </summary>
    public static long ScanDirectoryApi()
    {
        long fds = 0;
        byte* path = stackalloc byte[64];
        byte* target = stackalloc byte[4096];
        List<int> numbers = new(1024);
        foreach (int pid in Numbers("/proc"))
        {
            numbers.Clear();
            try
            {
                numbers.AddRange(Numbers("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/fd"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            int head = 0;
            foreach (byte b in "/proc/"u8)
            {
                path[head++] = b;
            }
            head += WriteNumber(path + head, pid);
            foreach (byte b in "/fd/"u8)
            {
                path[head++] = b;
            }
            foreach (int fd in numbers)
            {
                int len = head + WriteNumber(path + head, fd);
                path[len] = 0;
                if (Readlink(path, target, 4096) >= 0)
                {
                    fds++;
                }
            }
        }
        return fds;
    }

    private static IEnumerable<int> Numbers(string directory) =>
        new FileSystemEnumerable<int>(directory, static (ref FileSystemEntry e) => ParseName(e.FileName), Options)
        {
            ShouldIncludePredicate = static (ref FileSystemEntry e) => ParseName(e.FileName) >= 0,
        };

    private static int ParseName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name.Length > 9)
        {
            return -1;
        }
        int n = 0;
        foreach (char c in name)
        {
            if (c is < '0' or > '9')
            {
                return -1;
            }
            n = (n * 10) + (c - '0');
        }
        return n;
    }
}
