using System.Collections.Immutable;
using ProcAudit.Analysis;

namespace ProcAudit.Watching;

/// <summary>
/// Watches a tree with one single-sample audit per look and remembers each wait cycle made only of
/// observed edges. A cycle that keeps exactly the same edges while none of its waiting threads
/// uses CPU or switches context is not a slow moment but a deadlock: once it has held for
/// <see cref="WatchOptions.DeadlockAfter"/>, <see cref="Look"/> reports it. Inferred edges never
/// count: a guess must not stop anyone's job.
/// </summary>
public sealed class TreeWatcher
{
    private readonly int _pid;
    private readonly WatchOptions _options;
    private readonly Auditor _auditor;
    private readonly Dictionary<string, Track> _tracks = new();

    /// <summary>A watcher of the tree under <paramref name="pid"/>.</summary>
    public TreeWatcher(int pid, WatchOptions options)
    {
        _pid = pid;
        _options = options;
        _auditor = new Auditor(new AuditOptions { Interval = TimeSpan.Zero, Adopter = options.Adopter });
    }

    /// <summary>The last audit taken.</summary>
    public AuditResult? Last { get; private set; }

    /// <summary>
    /// Takes one look. Returns the cycle that has now persisted long enough, or null.
    /// </summary>
    /// <exception cref="AuditException">The root no longer exists.</exception>
    public PersistentCycle? Look(DateTime now, CancellationToken cancellationToken = default)
    {
        AuditResult result = _auditor.Audit(_pid, cancellationToken);
        Last = result;
        HashSet<string> seen = new();
        PersistentCycle? due = null;
        foreach (Cycle cycle in result.Analysis.Cycles.Where(c => c.Waits.All(w => w.Certainty == Certainty.Observed)))
        {
            string key = Signature(cycle);
            seen.Add(key);
            ImmutableArray<long> counters = Counters(result.Snapshot, cycle);
            if (!_tracks.TryGetValue(key, out Track? track) || !track.Counters.SequenceEqual(counters))
            {
                // New, or one of its threads moved: whatever was held so far does not count.
                _tracks[key] = track = new Track(now, counters, 0);
            }
            track.Looks++;
            TimeSpan held = now - track.Since;
            if (_options.DeadlockAfter > TimeSpan.Zero && held >= _options.DeadlockAfter && due is null)
            {
                due = new PersistentCycle(cycle, held, track.Looks);
            }
        }
        foreach (string gone in _tracks.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            _tracks.Remove(gone);
        }
        return due;
    }

    /// <summary>The edges, in a stable order: the same cycle gives the same text at every look.</summary>
    private static string Signature(Cycle cycle) =>
        string.Join(";", cycle.Waits
            .Select(w => $"{w.From.Pid}/{w.From.Tid}>{w.To.Pid}/{w.To.Tid}:{w.Reason}:{w.Object}")
            .Order(StringComparer.Ordinal));

    /// <summary>CPU ticks and context switches of each waiting thread, in edge order.</summary>
    private static ImmutableArray<long> Counters(Snapshot snapshot, Cycle cycle) =>
        cycle.Waits
            .OrderBy(w => w.From.Pid).ThenBy(w => w.From.Tid)
            .SelectMany(w =>
            {
                ThreadInfo? t = snapshot.FindProcess(w.From.Pid)?.Threads.FirstOrDefault(x => x.Tid == w.From.Tid);
                return t is null ? new long[] { -1, -1 } : new[] { t.CpuTicks, t.ContextSwitches };
            })
            .ToImmutableArray();

    private sealed class Track
    {
        public Track(DateTime since, ImmutableArray<long> counters, int looks)
        {
            Since = since;
            Counters = counters;
            Looks = looks;
        }

        public DateTime Since { get; }

        public ImmutableArray<long> Counters { get; }

        public int Looks { get; set; }
    }
}
