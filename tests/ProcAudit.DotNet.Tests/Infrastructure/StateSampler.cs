namespace ProcAudit.DotNet.Tests.Infrastructure;

/// <summary>
/// Reads the state letter of every thread of a process in a tight loop on its own thread, to catch a stop
/// ('t' traced, 'T' stopped) however briefly it lasts, while something else inspects the process.
/// </summary>
internal sealed class StateSampler : IDisposable
{
    private readonly int _pid;
    private readonly Thread _thread;
    private readonly List<char> _stopped = new List<char>();
    private volatile bool _stop;
    private int _samples;

    public StateSampler(int pid)
    {
        _pid = pid;
        _thread = new Thread(Loop) { IsBackground = true, Name = "state-sampler" };
        _thread.Start();
    }

    /// <summary>How many rounds over all threads were read.</summary>
    public int Samples => Volatile.Read(ref _samples);

    /// <summary>Every 't' or 'T' seen; empty when the process was never stopped.</summary>
    public IReadOnlyList<char> StoppedLetters
    {
        get
        {
            lock (_stopped)
            {
                return _stopped.ToList();
            }
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }

    private void Loop()
    {
        while (!_stop)
        {
            foreach (char letter in ProcThreads.StateLetters(_pid))
            {
                if (letter is 't' or 'T')
                {
                    lock (_stopped)
                    {
                        _stopped.Add(letter);
                    }
                }
            }

            Interlocked.Increment(ref _samples);
        }
    }
}
