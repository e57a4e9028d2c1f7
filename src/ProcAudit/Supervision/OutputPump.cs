using System.IO.Pipes;
using System.Text;

namespace ProcAudit.Supervision;

/// <summary>
/// Reads the tool's stdout and stderr on the task's own thread, with poll, so that the task can
/// stop waiting at any moment without leaving a reader thread blocked on a pipe that a leaked
/// process keeps open. Bytes already in a pipe are always read before the pump gives up.
/// </summary>
internal sealed class OutputPump
{
    private readonly Channel[] _channels;

    public OutputPump(Stream stdout, Stream stderr, Encoding stdoutEncoding, Encoding stderrEncoding, Action<string, bool> onLine)
    {
        _channels = new[]
        {
            new Channel(stdout, stdoutEncoding, line => onLine(line, false)),
            new Channel(stderr, stderrEncoding, line => onLine(line, true)),
        };
    }

    /// <summary>True once both streams have reached EOF.</summary>
    public bool Closed => _channels.All(c => c.Eof);

    /// <summary>Our descriptors of the streams that have not reached EOF (to ask who still holds their write ends).</summary>
    public IEnumerable<(int Fd, string Stream)> OpenDescriptors =>
        _channels.Select((c, i) => (c, i)).Where(x => !x.c.Eof).Select(x => (x.c.Fd, x.i == 0 ? "stdout" : "stderr"));

    /// <summary>Waits up to <paramref name="waitMs"/> for output and reads what arrived.</summary>
    public void Pump(int waitMs)
    {
        List<Channel> open = _channels.Where(c => !c.Eof).ToList();
        if (open.Count == 0)
        {
            return;
        }
        Span<Poll.PollFd> fds = stackalloc Poll.PollFd[open.Count];
        for (int i = 0; i < open.Count; i++)
        {
            fds[i] = new Poll.PollFd { Fd = open[i].Fd, Events = Poll.POLLIN };
        }
        if (Poll.Wait(fds, waitMs) == 0)
        {
            return;
        }
        for (int i = 0; i < open.Count; i++)
        {
            if ((fds[i].Revents & (Poll.POLLIN | Poll.POLLHUP | Poll.POLLERR)) != 0)
            {
                open[i].ReadOnce();
            }
        }
    }

    /// <summary>Reads everything queued right now, without waiting for more; then ends any partial line.</summary>
    public void Drain()
    {
        for (int round = 0; round < 10_000 && !Closed; round++)
        {
            int before = _channels.Sum(c => c.BytesRead);
            Pump(0);
            if (_channels.Sum(c => c.BytesRead) == before)
            {
                break;
            }
        }
        foreach (Channel c in _channels)
        {
            c.FlushPartialLine();
        }
    }

    private sealed class Channel
    {
        private readonly Stream _stream;
        private readonly Decoder _decoder;
        private readonly Action<string> _onLine;
        private readonly StringBuilder _partial = new();
        private readonly byte[] _bytes = new byte[64 * 1024];
        private readonly char[] _chars;

        public Channel(Stream stream, Encoding encoding, Action<string> onLine)
        {
            _stream = stream;
            _decoder = encoding.GetDecoder();
            _chars = new char[encoding.GetMaxCharCount(_bytes.Length)];
            _onLine = onLine;
            Fd = DescriptorOf(stream);
        }

        public int Fd { get; }

        public bool Eof { get; private set; }

        public int BytesRead { get; private set; }

        /// <summary>One read; poll said it will not block (data, or EOF).</summary>
        public void ReadOnce()
        {
            int n = _stream.Read(_bytes, 0, _bytes.Length);
            if (n == 0)
            {
                Eof = true;
                FlushPartialLine();
                return;
            }
            BytesRead += n;
            int count = _decoder.GetChars(_bytes, 0, n, _chars, 0);
            for (int i = 0; i < count; i++)
            {
                char c = _chars[i];
                if (c == '\n')
                {
                    EmitLine();
                }
                else
                {
                    _partial.Append(c);
                }
            }
        }

        public void FlushPartialLine()
        {
            if (_partial.Length > 0)
            {
                EmitLine();
            }
        }

        private void EmitLine()
        {
            int length = _partial.Length > 0 && _partial[^1] == '\r' ? _partial.Length - 1 : _partial.Length;
            _onLine(_partial.ToString(0, length));
            _partial.Clear();
        }

        private static int DescriptorOf(Stream stream) => stream switch
        {
            PipeStream pipe => (int)pipe.SafePipeHandle.DangerousGetHandle(),
            FileStream file => (int)file.SafeFileHandle.DangerousGetHandle(),
            _ => throw new NotSupportedException($"cannot poll a {stream.GetType().Name}"),
        };
    }
}
