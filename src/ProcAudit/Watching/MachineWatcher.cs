namespace ProcAudit.Watching;

/// <summary>
/// The scan repeated (<c>procaudit watch --all</c>): each look scans the machine and returns the
/// hangs that have now held for the deadlock-after time and were not returned before. A hang is
/// the same while its root, pattern and processes are; it has held since the first look that saw
/// it, or for as long as the kernel says its threads have been still, whichever is longer. A hang
/// that goes away is forgotten, so one that forms again is reported again.
/// </summary>
public sealed class MachineWatcher
{
    private readonly Auditor _auditor;
    private readonly TimeSpan _deadlockAfter;
    private readonly Dictionary<string, DateTime> _firstSeen = new();
    private readonly HashSet<string> _reported = new();

    /// <summary>A watcher that scans with <paramref name="options"/> and reports a hang once it has held <paramref name="deadlockAfter"/>.</summary>
    public MachineWatcher(AuditOptions options, TimeSpan deadlockAfter)
    {
        _auditor = new Auditor(options);
        _deadlockAfter = deadlockAfter;
    }

    /// <summary>The last scan, once a look has been taken.</summary>
    public ScanResult? Last { get; private set; }

    /// <summary>Scans once; the hangs that have held long enough and are new, worst first, each with how long it has held.</summary>
    public IReadOnlyList<(ScanHang Hang, TimeSpan HeldFor)> Look(DateTime now, CancellationToken cancellationToken)
    {
        ScanResult scan = _auditor.Scan(cancellationToken);
        Last = scan;
        HashSet<string> present = new();
        List<(ScanHang, TimeSpan)> due = new();
        foreach (ScanHang hang in scan.Hangs)
        {
            string key = $"{hang.Root}:{hang.Pattern}:{string.Join(',', hang.Pids)}";
            present.Add(key);
            if (!_firstSeen.TryGetValue(key, out DateTime first))
            {
                _firstSeen[key] = first = now;
            }
            TimeSpan held = now - first;
            if (hang.StillSeconds is double still && TimeSpan.FromSeconds(still) > held)
            {
                held = TimeSpan.FromSeconds(still);
            }
            if (held >= _deadlockAfter && _reported.Add(key))
            {
                due.Add((hang, held));
            }
        }
        foreach (string gone in _firstSeen.Keys.Where(k => !present.Contains(k)).ToList())
        {
            _firstSeen.Remove(gone);
            _reported.Remove(gone);
        }
        return due;
    }
}
