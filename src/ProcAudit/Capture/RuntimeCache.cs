using System.Collections.Concurrent;

namespace ProcAudit.Capture;

/// <summary>
/// Remembers each process's runtime by pid and start time: a process changes runtime only by
/// exec, which also changes its comm; reading every process's maps at each tick of a watch
/// would cost more than the rest of the audit.
/// </summary>
/// <remarks>
/// "No runtime" is remembered only with the thread count it was seen at. A runtime is loaded a moment after
/// the process starts (the dotnet host maps libcoreclr.so after hostfxr, on its one thread, and the runtime's
/// first act is to start its own threads), so a process caught before that would otherwise stay
/// runtime-less for as long as the cache lives: seen here, a lock-order inversion audited 30 s long
/// without its .NET view because the first audit came 40 ms after the start.
/// </remarks>
internal sealed class RuntimeCache
{
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<(int Pid, ulong StartTime), (string Comm, int Threads, string? Runtime)> _known = new();

    public string? GetOrAdd(int pid, ulong startTime, string comm, int threads, Func<string?> detect)
    {
        if (_known.TryGetValue((pid, startTime), out (string Comm, int Threads, string? Runtime) entry)
            && entry.Comm == comm && (entry.Runtime is not null || entry.Threads == threads))
        {
            return entry.Runtime;
        }
        if (_known.Count >= MaxEntries)
        {
            _known.Clear();
        }
        string? runtime = detect();
        _known[(pid, startTime)] = (comm, threads, runtime);
        return runtime;
    }
}
