using System.Collections.Concurrent;

namespace ProcAudit.Capture;

/// <summary>
/// Remembers each process's runtime by pid and start time: a process changes runtime only by
/// exec, which also changes its comm; reading every process's maps at each tick of a watch
/// would cost more than the rest of the audit.
/// </summary>
internal sealed class RuntimeCache
{
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<(int Pid, ulong StartTime), (string Comm, string? Runtime)> _known = new();

    public string? GetOrAdd(int pid, ulong startTime, string comm, Func<string?> detect)
    {
        if (_known.TryGetValue((pid, startTime), out (string Comm, string? Runtime) entry) && entry.Comm == comm)
        {
            return entry.Runtime;
        }
        if (_known.Count >= MaxEntries)
        {
            _known.Clear();
        }
        string? runtime = detect();
        _known[(pid, startTime)] = (comm, runtime);
        return runtime;
    }
}
