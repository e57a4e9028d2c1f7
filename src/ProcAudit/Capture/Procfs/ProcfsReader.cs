using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace ProcAudit.Capture.Procfs;

/// <summary>
/// Reads files under a procfs root: <c>/proc</c> live, or a recorded fixture tree in tests.
/// Every file is read whole in one pass and size-limited (pseudo-files report a size of 0 or
/// 4096, so the stat size means nothing). Nothing here parses; the parsers are pure functions.
/// </summary>
internal sealed class ProcfsReader
{
    private const int DefaultLimit = 1 << 20;
    private readonly IProcfsRecorder? _recorder;
    /// <summary>A worker per calling thread: a scan reading on every core would otherwise queue all its command lines and maps behind one.</summary>
    private readonly ThreadLocal<BoundedReadWorker> _bounded = new(() => new BoundedReadWorker());

    public ProcfsReader(string root = "/proc", IProcfsRecorder? recorder = null)
    {
        Root = root.TrimEnd('/');
        _recorder = recorder;
    }

    public string Root { get; }

    /// <summary>Whether this reads the live /proc (not a recorded tree), where procfs's own rules hold.</summary>
    private bool Live => Root == "/proc";

    /// <summary>The open live /proc to read relative to, or -1 (a recorded tree, or /proc could not be opened).</summary>
    private int ProcDir => Live ? s_proc.Value : -1;

    public string PathOf(string relative) => Root + "/" + relative;

    /// <summary>
    /// The live /proc, opened once for the process's life: files are opened relative to it (openat), so a
    /// read builds no absolute path and the kernel walks one component less, for each of a scan's 90,000 reads.
    /// </summary>
    private static readonly Lazy<int> s_proc = new(() => Native.Native.Open("/proc", Native.Native.O_PATH | Native.Native.O_DIRECTORY | Native.Native.O_CLOEXEC));

    /// <summary>Opens <paramref name="relative"/> under the root: relative to the open /proc when live, by its path otherwise.</summary>
    private int OpenUnder(string relative, int flags) =>
        ProcDir is int proc and >= 0 ? Native.Native.OpenAt(proc, relative.Length == 0 ? "." : relative, flags) : Native.Native.Open(PathOf(relative), flags);

    /// <summary>Reads a file as UTF-8 text (invalid bytes become U+FFFD), up to <paramref name="limit"/> bytes.</summary>
    /// <remarks>
    /// open, read, close and nothing else: a scan reads some 80,000 of these files, and a FileStream
    /// adds an fstat and two flocks to each (a third of the scan's system calls at 16x).
    /// </remarks>
    public ProcText ReadText(string relative, int limit = DefaultLimit) => ReadText(relative, limit, null);

    /// <summary>
    /// Reads a file but keeps only its lines that hold one of <paramref name="lines"/> (null: all of it),
    /// so that a caller that parses two lines of a long file does not pay for the rest as a string: the
    /// maps, status and sched files a scan reads came to 25 MB of text at 16x, of which it parsed a few lines.
    /// </summary>
    /// <param name="relative">The file, under the root.</param>
    /// <param name="limit">At most this many bytes are read.</param>
    /// <param name="lines">Text one of the kept lines must hold (a superset of what the parser looks for: it still checks each line).</param>
    public unsafe ProcText ReadText(string relative, int limit, LineFilter? lines)
    {
        int fd = OpenUnder(relative, Native.Native.O_RDONLY | Native.Native.O_CLOEXEC);
        if (fd < 0)
        {
            return Failure(Marshal.GetLastPInvokeError());
        }
        int length;
        try
        {
            length = ReadBounded(fd, limit, OneRecordFiles.Holds(relative), out int errno);
            if (errno != 0)
            {
                return Failure(errno);
            }
        }
        finally
        {
            Native.Native.Close(fd);
        }
        ReadOnlySpan<byte> data = ThreadBuffer.AsSpan(0, length);
        _recorder?.RecordFile(relative, data.ToArray());
        return new ProcText(lines is null ? Encoding.UTF8.GetString(data) : lines.Keep(data), ReadOutcome.Ok);
    }

    /// <summary>Gone, denied, or failed with the system's message: ESRCH is how a read of a task that died after the open fails.</summary>
    private static ProcText Failure(int errno) => errno switch
    {
        Native.Native.ENOENT or Native.Native.ESRCH or Native.Native.ENOTDIR => new ProcText(null, ReadOutcome.Gone),
        Native.Native.EACCES or Native.Native.EPERM => new ProcText(null, ReadOutcome.Denied),
        _ => new ProcText(null, ReadOutcome.Failed, Marshal.GetPInvokeErrorMessage(errno)),
    };

    /// <summary>
    /// One growing buffer per thread, reused for every file: an audit reads thousands of small
    /// files, and a fresh buffer for each was most of what it allocated.
    /// </summary>
    [ThreadStatic]
    private static byte[]? t_buffer;

    private static byte[] ThreadBuffer => t_buffer ??= new byte[64 * 1024];

    /// <param name="fd">The open file.</param>
    /// <param name="limit">At most this many bytes.</param>
    /// <param name="oneRecord">The file is made whole at once (<see cref="OneRecordFiles"/>): a short read ends it.</param>
    /// <param name="errno">The read's error, 0 when none.</param>
    private static unsafe int ReadBounded(int fd, int limit, bool oneRecord, out int errno)
    {
        byte[] buffer = ThreadBuffer;
        int total = 0;
        errno = 0;
        while (total < limit)
        {
            if (total == buffer.Length)
            {
                Array.Resize(ref buffer, Math.Min(limit, buffer.Length * 2));
                t_buffer = buffer;
            }
            nint n;
            int asked = Math.Min(buffer.Length, limit) - total;
            fixed (byte* at = &buffer[total])
            {
                n = Native.Native.Read(fd, at, (nuint)asked);
            }
            if (n < 0)
            {
                int error = Marshal.GetLastPInvokeError();
                if (error == Native.Native.EINTR)
                {
                    continue;
                }
                errno = error;
                return 0;
            }
            if (n == 0)
            {
                break;
            }
            total += (int)n;
            if (oneRecord && n < asked)
            {
                break;
            }
        }
        return total;
    }

    /// <summary>
    /// Reads a file that can block: cmdline, environ and maps take the target's memory lock, which a
    /// process stuck in the kernel may hold for good. The read runs on its own thread and is
    /// abandoned after <paramref name="timeout"/>, so the audit itself never hangs.
    /// </summary>
    public ProcText ReadTextBounded(string relative, TimeSpan timeout, int limit = DefaultLimit, LineFilter? lines = null)
    {
        return _bounded.Value!.Run(() => ReadText(relative, limit, lines), timeout)
            ?? new ProcText(null, ReadOutcome.TimedOut, $"no answer within {timeout.TotalMilliseconds:0} ms");
    }

    /// <summary>
    /// Reads many files that can block, each bounded as <see cref="ReadTextBounded"/> bounds one, on threads of
    /// their own (<see cref="BoundedReadBatch"/>): for a scan, which reads the cmdline and maps of every process.
    /// </summary>
    public ProcText[] ReadTextBoundedMany(IReadOnlyList<string> relatives, TimeSpan timeout, int limit, LineFilter? lines, CancellationToken cancellationToken) =>
        BoundedReadBatch.Run(relatives.Count, i => ReadText(relatives[i], limit, lines), timeout, cancellationToken);

    /// <summary>The target of a symbolic link such as <c>123/fd/4</c>, without following it.</summary>
    [SkipLocalsInit] // readlink fills what is read of the buffer
    public unsafe ProcText ReadLink(string relative)
    {
        byte* buffer = stackalloc byte[4096];
        nint n = ProcDir is int proc and >= 0 ? Native.Native.ReadLinkAt(proc, relative, buffer, 4096) : Native.Native.Readlink(PathOf(relative), buffer, 4096);
        if (n < 0)
        {
            return ProcText.FromErrno(Marshal.GetLastPInvokeError());
        }
        string target = Encoding.UTF8.GetString(buffer, (int)n);
        _recorder?.RecordLink(relative, target);
        return new ProcText(target, ReadOutcome.Ok);
    }

    /// <summary>
    /// Every numeric entry of a directory of links (an fd/ directory) with its link text, in one
    /// pass: readdir and readlinkat on the open directory, with no stat per entry and no path walk
    /// per link. This is the holder scan's cost, once per fd on the machine.
    /// </summary>
    public List<(int Number, string Target)> ListLinks(string relative) => ListLinks(relative, out _);

    /// <inheritdoc cref="ListLinks(string)"/>
    public List<(int Number, string Target)> ListLinks(string relative, out ReadOutcome outcome) =>
        ListLinks(relative, null, out outcome).Select(l => (l.Number, l.Target)).ToList();

    /// <summary>
    /// <see cref="ListLinks(string)"/>, with the mode of each link <paramref name="wantsMode"/> picks:
    /// the kernel gives an fd's link the owner's read and write bits of how the fd was opened, so one
    /// statx on the open directory tells a pipe's read end from its write end without its fdinfo.
    /// </summary>
    [SkipLocalsInit] // readlinkat and statx fill what is read of their buffers
    public unsafe List<(int Number, string Target, uint? Mode)> ListLinks(string relative, Func<string, bool>? wantsMode, out ReadOutcome outcome)
    {
        List<(int, string, uint?)> links = new();
        byte* target = stackalloc byte[4096];
        Native.Native.StatxBuffer statx;
        Native.Native.StatxBuffer* stat = &statx;
        outcome = EachNumber(relative, (dir, number, name) =>
        {
            nint n = Native.Native.ReadLinkAt(dir, name, target, 4096);
            if (n <= 0)
            {
                return; // closed meanwhile
            }
            string text = Encoding.UTF8.GetString(target, (int)n);
            _recorder?.RecordLink($"{relative}/{number.ToString(CultureInfo.InvariantCulture)}", text);
            uint? mode = wantsMode?.Invoke(text) == true && Native.Native.StatxAt(dir, name, Native.Native.AT_SYMLINK_NOFOLLOW, Native.Native.STATX_MODE, stat) == 0
                ? stat->Mode
                : null;
            links.Add((number, text, mode));
        });
        links.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return links;
    }

    /// <summary>
    /// The link mode of each of <paramref name="links"/> in a directory of links (an fd/ directory) whose
    /// link still reads as given: one statx and one readlinkat each on the open directory, for the few
    /// fds whose mode is asked for after the rest of the process was read (an fd closed and reused
    /// meanwhile is left out).
    /// </summary>
    /// <param name="relative">The directory of links.</param>
    /// <param name="links">The links, with the text each read as.</param>
    /// <param name="verify">
    /// False to take the mode without reading the link again: for a caller that learns by other means
    /// whether the process changed its fds since (a scan's next look sees that as a move).
    /// </param>
    [SkipLocalsInit] // statx and readlinkat fill what is read of their buffers
    public unsafe Dictionary<int, uint> LinkModes(string relative, IEnumerable<(int Number, string Target)> links, bool verify = true)
    {
        Dictionary<int, uint> modes = new();
        if (!verify && ProcDir is int proc and >= 0)
        {
            // One statx a link, by its path under the open /proc: no open and close of the directory for the two or three asked of it.
            Native.Native.StatxBuffer linkStat;
            foreach ((int number, _) in links)
            {
                if (Native.Native.Statx(proc, $"{relative}/{number.ToString(CultureInfo.InvariantCulture)}", Native.Native.AT_SYMLINK_NOFOLLOW, Native.Native.STATX_MODE, &linkStat) == 0)
                {
                    modes[number] = linkStat.Mode;
                }
            }
            return modes;
        }
        int dir = OpenUnder(relative, Native.Native.O_RDONLY | Native.Native.O_DIRECTORY | Native.Native.O_CLOEXEC);
        if (dir < 0)
        {
            return modes;
        }
        try
        {
            byte* name = stackalloc byte[16];
            byte* target = stackalloc byte[4096];
            Native.Native.StatxBuffer statx;
            foreach ((int number, string expected) in links)
            {
                int length = Encoding.ASCII.GetBytes(number.ToString(CultureInfo.InvariantCulture), new Span<byte>(name, 15));
                name[length] = 0;
                if (Native.Native.StatxAt(dir, name, Native.Native.AT_SYMLINK_NOFOLLOW, Native.Native.STATX_MODE, &statx) != 0)
                {
                    continue; // closed meanwhile
                }
                nint n = Native.Native.ReadLinkAt(dir, name, target, 4096);
                if (n > 0 && Encoding.UTF8.GetString(target, (int)n) == expected)
                {
                    modes[number] = statx.Mode;
                }
            }
        }
        finally
        {
            Native.Native.Close(dir);
        }
        return modes;
    }

    /// <summary>The numeric entries of a directory (pids under the root, tids under task/, fds under fd/), ascending.</summary>
    /// <remarks>readdir alone: .NET's directory enumeration also stats every entry that is a link, two system calls per fd.</remarks>
    public unsafe IReadOnlyList<int> ListNumbers(string relative, out ReadOutcome outcome)
    {
        List<int> numbers = new();
        outcome = EachNumber(relative, (_, number, _) => numbers.Add(number));
        numbers.Sort();
        return numbers;
    }

    private unsafe delegate void NumberedEntry(int dirFd, int number, byte* name);

    /// <summary>Room for some 400 entries per getdents64 call: a pid directory's fd/ or task/ fits in one.</summary>
    private const int DirentBufferSize = 16 * 1024;

    /// <summary>The largest linux_dirent64: 19 bytes of header, a 255-byte name and its NUL, rounded up to 8.</summary>
    private const int MaxDirentSize = 280;

    /// <summary>Calls <paramref name="each"/> for every entry of the directory whose name is a number; how opening it went.</summary>
    [SkipLocalsInit] // the kernel fills the buffer; zeroing 16 KiB per directory listed was pure cost
    private unsafe ReadOutcome EachNumber(string relative, NumberedEntry each)
    {
        int fd = OpenUnder(relative, Native.Native.O_RDONLY | Native.Native.O_DIRECTORY | Native.Native.O_CLOEXEC);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno is Native.Native.EACCES or Native.Native.EPERM ? ReadOutcome.Denied : ReadOutcome.Gone;
        }
        byte* entries = stackalloc byte[DirentBufferSize];
        try
        {
            while (true)
            {
                long n = Native.Native.Syscall(Native.Native.SYS_getdents64, fd, (long)entries, DirentBufferSize);
                if (n <= 0)
                {
                    // 0: the end. An error (the process exited while listed) ends the list with what was read.
                    break;
                }
                for (long at = 0; at < n; at += *(ushort*)(entries + at + Native.Native.DirentLengthOffset))
                {
                    byte* name = entries + at + Native.Native.DirentNameOffset;
                    int number = 0;
                    int length = 0;
                    for (; name[length] != 0; length++)
                    {
                        byte c = name[length];
                        if (c < (byte)'0' || c > (byte)'9' || length > 9)
                        {
                            number = -1;
                            break;
                        }
                        number = number * 10 + (c - '0');
                    }
                    if (number >= 0 && length > 0)
                    {
                        each(fd, number, name);
                    }
                }
                if (Live && DirentBufferSize - n >= MaxDirentSize)
                {
                    // procfs stops filling the buffer only when the next entry does not fit: with room
                    // left for the largest one, this was the end, and the call that would return 0 is not made.
                    break;
                }
            }
        }
        finally
        {
            Native.Native.Close(fd);
        }
        return ReadOutcome.Ok;
    }

    public bool Exists(string relative) => Directory.Exists(PathOf(relative));
}

/// <summary>Receives every file and link a capture read, so a live audit can be saved as a fixture tree.</summary>
internal interface IProcfsRecorder
{
    void RecordFile(string relative, byte[] content);
    void RecordLink(string relative, string target);
}
