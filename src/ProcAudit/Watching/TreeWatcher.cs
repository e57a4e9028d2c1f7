using System.Collections.Immutable;
using ProcAudit.Analysis;

namespace ProcAudit.Watching;

/// <summary>
/// Watches a tree with one single-sample audit per look and remembers each wait cycle, and each
/// stall that is not a cycle, that rests on observed edges only. One that keeps exactly the same
/// edges while none of its waiting threads uses CPU or switches context, and none of its pipes or
/// sockets changes level, is not a slow moment but a hang: once it has held for
/// <see cref="WatchOptions.DeadlockAfter"/>, <see cref="Look"/> reports it. Inferred edges never
/// count, nor does an idle tree or an unexplained wait: a guess must not stop anyone's job.
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
    /// Takes one look. Returns the cycle or stall that has now persisted long enough, or null.
    /// </summary>
    /// <exception cref="AuditException">The root no longer exists.</exception>
    public PersistentHang? Look(DateTime now, CancellationToken cancellationToken = default)
    {
        AuditResult result = _auditor.Audit(_pid, cancellationToken);
        Last = result;
        HashSet<string> seen = new();
        PersistentHang? due = null;
        IEnumerable<(string Pattern, Cycle? Cycle, Finding? Finding, ImmutableArray<WaitEdge> Waits)> candidates =
            result.Analysis.Cycles.Select(c => (c.Pattern, (Cycle?)c, (Finding?)null, c.Waits))
            .Concat(result.Analysis.Findings
                .Where(f => f.Kind != EndFindings.Unexplained && f.Certainty == Certainty.Observed && !f.Waits.IsDefaultOrEmpty)
                .Select(f => (f.Kind, (Cycle?)null, (Finding?)f, f.Waits)));
        foreach ((string pattern, Cycle? cycle, Finding? finding, ImmutableArray<WaitEdge> waits) in candidates)
        {
            if (!waits.All(w => w.Certainty == Certainty.Observed))
            {
                continue;
            }
            string key = pattern + "|" + Signature(waits);
            seen.Add(key);
            ImmutableArray<long> counters = Counters(result.Snapshot, waits);
            if (!_tracks.TryGetValue(key, out Track? track) || !track.Counters.SequenceEqual(counters))
            {
                // New, or one of its threads or objects moved: whatever was held so far does not count.
                _tracks[key] = track = new Track(now, counters, 0);
            }
            track.Looks++;
            TimeSpan held = now - track.Since;
            if (_options.DeadlockAfter > TimeSpan.Zero && held >= _options.DeadlockAfter && due is null)
            {
                due = new PersistentHang(pattern, cycle, finding, held, track.Looks);
            }
        }
        foreach (string gone in _tracks.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            _tracks.Remove(gone);
        }
        return due;
    }

    /// <summary>The edges, in a stable order: the same hang gives the same text at every look.</summary>
    private static string Signature(ImmutableArray<WaitEdge> waits) =>
        string.Join(";", waits
            .Select(w => $"{w.From.Pid}/{w.From.Tid}/{w.From.Goroutine}/{w.From.Flow}>{w.To.Pid}/{w.To.Tid}/{w.To.Goroutine}/{w.To.Flow}:{w.Reason}:{w.Object}")
            .Order(StringComparer.Ordinal));

    /// <summary>CPU ticks and context switches of each waiting thread, then the level of each pipe and socket waited on.</summary>
    private static ImmutableArray<long> Counters(Snapshot snapshot, ImmutableArray<WaitEdge> waits) =>
        waits
            .OrderBy(w => w.From.Pid).ThenBy(w => w.From.Tid).ThenBy(w => w.Object, StringComparer.Ordinal)
            .SelectMany(w =>
            {
                ThreadInfo? t = snapshot.FindProcess(w.From.Pid)?.Threads.FirstOrDefault(x => x.Tid == w.From.Tid);
                PipeInfo? pipe = w.Object is null ? null : snapshot.FindPipe(w.Object);
                SocketInfo? socket = w.Object is null ? null : snapshot.FindSocket(w.Object);
                return new[]
                {
                    t?.CpuTicks ?? -1, t?.ContextSwitches ?? -1,
                    pipe?.QueuedBytes ?? socket?.SendQueueBytes ?? -1, socket?.RecvQueueBytes ?? -1,
                };
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
