using System.Globalization;
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
    private readonly BoundedReadWorker _bounded = new();

    public ProcfsReader(string root = "/proc", IProcfsRecorder? recorder = null)
    {
        Root = root.TrimEnd('/');
        _recorder = recorder;
    }

    public string Root { get; }

    public string PathOf(string relative) => Root + "/" + relative;

    /// <summary>Reads a file as UTF-8 text (invalid bytes become U+FFFD), up to <paramref name="limit"/> bytes.</summary>
    public ProcText ReadText(string relative, int limit = DefaultLimit)
    {
        string path = PathOf(relative);
        int length;
        try
        {
            // bufferSize 0: a /proc file is generated on read; one syscall per chunk, no double buffering.
            using FileStream stream = new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            length = ReadBounded(stream, limit);
        }
        catch (FileNotFoundException)
        {
            return new ProcText(null, ReadOutcome.Gone);
        }
        catch (DirectoryNotFoundException)
        {
            return new ProcText(null, ReadOutcome.Gone);
        }
        catch (UnauthorizedAccessException)
        {
            return new ProcText(null, ReadOutcome.Denied);
        }
        catch (IOException e)
        {
            // ESRCH surfaces as a plain IOException when the task died between open and read.
            return e.HResult == Native.Native.ESRCH || e.Message.Contains("No such process", StringComparison.Ordinal)
                ? new ProcText(null, ReadOutcome.Gone)
                : new ProcText(null, ReadOutcome.Failed, e.Message);
        }
        ReadOnlySpan<byte> data = ThreadBuffer.AsSpan(0, length);
        _recorder?.RecordFile(relative, data.ToArray());
        return new ProcText(Encoding.UTF8.GetString(data), ReadOutcome.Ok);
    }

    /// <summary>
    /// One growing buffer per thread, reused for every file: an audit reads thousands of small
    /// files, and a fresh buffer for each was most of what it allocated.
    /// </summary>
    [ThreadStatic]
    private static byte[]? t_buffer;

    private static byte[] ThreadBuffer => t_buffer ??= new byte[64 * 1024];

    private static int ReadBounded(FileStream stream, int limit)
    {
        byte[] buffer = ThreadBuffer;
        int total = 0;
        while (total < limit)
        {
            if (total == buffer.Length)
            {
                Array.Resize(ref buffer, Math.Min(limit, buffer.Length * 2));
                t_buffer = buffer;
            }
            int n = stream.Read(buffer, total, Math.Min(buffer.Length, limit) - total);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }

    /// <summary>
    /// Reads a file that can block: cmdline, environ and maps take the target's memory lock, which a
    /// process stuck in the kernel may hold for good. The read runs on its own thread and is
    /// abandoned after <paramref name="timeout"/>, so the audit itself never hangs.
    /// </summary>
    public ProcText ReadTextBounded(string relative, TimeSpan timeout, int limit = DefaultLimit)
    {
        return _bounded.Run(() => ReadText(relative, limit), timeout)
            ?? new ProcText(null, ReadOutcome.TimedOut, $"no answer within {timeout.TotalMilliseconds:0} ms");
    }

    /// <summary>The target of a symbolic link such as <c>123/fd/4</c>, without following it.</summary>
    public unsafe ProcText ReadLink(string relative)
    {
        string path = PathOf(relative);
        byte* buffer = stackalloc byte[4096];
        nint n = Native.Native.Readlink(path, buffer, 4096);
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
    public unsafe List<(int Number, string Target)> ListLinks(string relative)
    {
        List<(int, string)> links = new();
        int fd = Native.Native.Open(PathOf(relative), Native.Native.O_RDONLY | Native.Native.O_DIRECTORY | Native.Native.O_CLOEXEC);
        if (fd < 0)
        {
            return links;
        }
        nint dir = Native.Native.FdOpenDir(fd);
        if (dir == 0)
        {
            Native.Native.Close(fd);
            return links;
        }
        try
        {
            byte* target = stackalloc byte[4096];
            byte* entry;
            while ((entry = Native.Native.ReadDir(dir)) != null)
            {
                byte* name = entry + Native.Native.DirentNameOffset;
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
                if (number < 0 || length == 0)
                {
                    continue;
                }
                nint n = Native.Native.ReadLinkAt(Native.Native.DirFd(dir), name, target, 4096);
                if (n <= 0)
                {
                    continue; // closed meanwhile
                }
                string text = Encoding.UTF8.GetString(target, (int)n);
                _recorder?.RecordLink($"{relative}/{number.ToString(CultureInfo.InvariantCulture)}", text);
                links.Add((number, text));
            }
        }
        finally
        {
            Native.Native.CloseDir(dir);
        }
        links.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return links;
    }

    /// <summary>The numeric entries of a directory (pids under the root, tids under task/, fds under fd/), ascending.</summary>
    public IReadOnlyList<int> ListNumbers(string relative, out ReadOutcome outcome)
    {
        List<int> numbers = new();
        try
        {
            foreach (string entry in Directory.EnumerateFileSystemEntries(PathOf(relative)))
            {
                string name = Path.GetFileName(entry);
                if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                {
                    numbers.Add(n);
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            outcome = ReadOutcome.Gone;
            return numbers;
        }
        catch (UnauthorizedAccessException)
        {
            outcome = ReadOutcome.Denied;
            return numbers;
        }
        catch (IOException)
        {
            outcome = ReadOutcome.Gone;
            return numbers;
        }
        numbers.Sort();
        outcome = ReadOutcome.Ok;
        return numbers;
    }

    public bool Exists(string relative) => Directory.Exists(PathOf(relative));
}

/// <summary>Receives every file and link a capture read, so a live audit can be saved as a fixture tree.</summary>
internal interface IProcfsRecorder
{
    void RecordFile(string relative, byte[] content);
    void RecordLink(string relative, string target);
}
