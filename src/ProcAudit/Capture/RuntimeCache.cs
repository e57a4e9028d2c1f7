using System.Collections.Concurrent;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Capture;

/// <summary>
/// Remembers each process's runtime by pid and start time: reading every process's maps at each
/// tick of a watch would cost more than the rest of the audit.
/// </summary>
/// <remarks>
/// A process changes runtime by exec, which places its stack anew (and usually renames it, but not always: a
/// pyenv shim is a bash script named python3 that execs the real python3 in the same process), so an entry
/// holds for one comm and one stack start. "No runtime" is remembered only with the thread count it was seen
/// at too: a runtime is loaded a moment after the process starts (the dotnet host maps libcoreclr.so after
/// hostfxr, on its one thread, and the runtime's first act is to start its own threads). Both were seen here
/// to leave a process without its runtime view for as long as an auditor lived, because its first audit came
/// within 50 ms of its start.
/// </remarks>
internal sealed class RuntimeCache
{
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<(int Pid, ulong StartTime), (string Comm, ulong StartStack, int Threads, string? Runtime)> _known = new();

    public string? GetOrAdd(StatRecord stat, Func<string?> detect)
    {
        if (TryGet(stat, out string? known))
        {
            return known;
        }
        string? runtime = detect();
        Add(stat, runtime);
        return runtime;
    }

    /// <summary>The runtime remembered for this process, when one (or none) is.</summary>
    public bool TryGet(StatRecord stat, out string? runtime)
    {
        bool found = _known.TryGetValue((stat.Pid, stat.StartTime), out (string Comm, ulong StartStack, int Threads, string? Runtime) entry)
            && entry.Comm == stat.Comm && entry.StartStack == stat.StartStack && (entry.Runtime is not null || entry.Threads == stat.NumThreads);
        runtime = found ? entry.Runtime : null;
        return found;
    }

    /// <summary>Remembers what was detected for this process.</summary>
    public void Add(StatRecord stat, string? runtime)
    {
        if (_known.Count >= MaxEntries)
        {
            _known.Clear();
        }
        _known[(stat.Pid, stat.StartTime)] = (stat.Comm, stat.StartStack, stat.NumThreads, runtime);
    }
}
