using ProcAudit.Analysis;
using ProcAudit.Capture;
using ProcAudit.Capture.Procfs;
using ProcAudit.Capture.Syscalls;
using ProcAudit.Enrichment;
using System.Collections.Immutable;

namespace ProcAudit;

/// <summary>
/// The one entry point every front end uses: capture a process tree, check it is really stuck,
/// analyse it. Never stops, signals or traces the tree, and never reads data from its pipes.
/// </summary>
public sealed class Auditor
{
    private readonly AuditOptions _options;
    private readonly IPipeProbe _probe;
    private readonly IProcfsRecorder? _recorder;
    private readonly RuntimeCache _runtimes = new();

    /// <summary>An auditor of the live machine (or of the procfs root in <paramref name="options"/>).</summary>
    public Auditor(AuditOptions? options = null)
        : this(options ?? new AuditOptions(), new LivePipeProbe(), null)
    {
    }

    internal Auditor(AuditOptions options, IPipeProbe probe, IProcfsRecorder? recorder)
    {
        _options = options;
        _probe = probe;
        _recorder = recorder;
    }

    /// <summary>Audits the tree under <paramref name="pid"/>.</summary>
    /// <exception cref="AuditException">The pid does not exist, or this is not a Linux procfs.</exception>
    public AuditResult Audit(int pid, CancellationToken cancellationToken = default)
    {
        Snapshot snapshot = Capture(pid, cancellationToken);
        return new AuditResult(snapshot, Analyzer.Analyze(snapshot));
    }

    /// <summary>Takes the snapshot (and, unless the interval is zero, the second look that measures progress).</summary>
    public Snapshot Capture(int pid, CancellationToken cancellationToken = default)
    {
        bool live = _options.ProcRoot == "/proc";
        if (live ? !Directory.Exists("/proc/self") : !Directory.Exists(_options.ProcRoot))
        {
            throw new AuditException(AuditError.NotSupported, $"{_options.ProcRoot} is not a procfs: ProcAudit needs Linux with /proc mounted.");
        }
        SyscallArch arch = SyscallTable.Current ?? SyscallArch.X64;
        ProcfsReader procfs = new(_options.ProcRoot, _recorder);
        ProcessTreeCapture capture = new(procfs, _probe, arch, live, new CaptureOptions(_options.Deadline, _options.ReadTimeout, _options.Redact), _recorder is null ? _runtimes : null);
        Snapshot? first = capture.Capture(pid, DateTimeOffset.UtcNow, _options.Adopter, cancellationToken);
        if (first is null)
        {
            throw new AuditException(AuditError.NoSuchProcess, $"no process with pid {pid} (it may have exited already)");
        }
        // The views begin now, so that their slow start overlaps the wait for the second look (without one, they are
        // finished at once: begun all together all the same, so that a helper they share starts once).
        Dictionary<(int Pid, string Runtime), (ProcessInfo FirstLook, IStartedView View)> started = Begin(first, cancellationToken);
        try
        {
            if (_options.Interval <= TimeSpan.Zero)
            {
                return Enrich(first, started, cancellationToken);
            }
            cancellationToken.WaitHandle.WaitOne(_options.Interval);
            cancellationToken.ThrowIfCancellationRequested();
            Snapshot checkedSnapshot = ProgressCheck.Apply(first, procfs, _probe, (int)_options.Interval.TotalMilliseconds);
            return Enrich(checkedSnapshot, started, cancellationToken);
        }
        finally
        {
            foreach ((ProcessInfo _, IStartedView view) in started.Values)
            {
                view.Dispose();
            }
        }
    }

    /// <summary>The views to take: each process of the tree that is readable, with every enricher of its runtime.</summary>
    private List<(int Index, IRuntimeEnricher Enricher)> Work(Snapshot snapshot) =>
        snapshot.Processes
            .Select((p, i) => (Process: p, Index: i))
            .Where(x => x.Process.InTree && !x.Process.Restricted)
            .SelectMany(x => _options.Enrichers.Where(e => e.Runtime == x.Process.Runtime).Select(e => (x.Index, e)))
            .ToList();

    /// <summary>
    /// Begins every view of the first look, each enricher's processes together; views that fail to begin are simply
    /// taken whole later.
    /// </summary>
    private Dictionary<(int Pid, string Runtime), (ProcessInfo FirstLook, IStartedView View)> Begin(Snapshot first, CancellationToken cancellationToken)
    {
        Dictionary<(int Pid, string Runtime), (ProcessInfo FirstLook, IStartedView View)> started = new();
        foreach (IGrouping<IRuntimeEnricher, int> work in Work(first).GroupBy(w => w.Enricher, w => w.Index))
        {
            // One view of a process for each runtime (as Enrich finishes them); a second enricher of the same runtime takes its own whole.
            ProcessInfo[] processes = work.Select(i => first.Processes[i]).Where(p => !started.ContainsKey((p.Pid, work.Key.Runtime))).ToArray();
            IReadOnlyList<IStartedView> views;
            try
            {
                views = work.Key.BeginAll(processes, _options.EnricherBudget, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Taken whole at the end instead, where a failure becomes a note.
                continue;
            }
            for (int i = 0; i < views.Count; i++)
            {
                started.Add((processes[i].Pid, work.Key.Runtime), (processes[i], views[i]));
            }
        }
        return started;
    }

    /// <summary>
    /// Runs the runtime enrichers on the tree's processes of their runtime, in parallel, each within its budget,
    /// finishing the views begun at the first look; a failure or a timeout becomes a note.
    /// </summary>
    private Snapshot Enrich(Snapshot snapshot, Dictionary<(int Pid, string Runtime), (ProcessInfo FirstLook, IStartedView View)> started, CancellationToken cancellationToken)
    {
        if (_options.Enrichers.Count == 0)
        {
            return snapshot;
        }
        List<(int Index, IRuntimeEnricher Enricher)> work = Work(snapshot);
        if (work.Count == 0)
        {
            return snapshot;
        }
        ProcessInfo[] processes = snapshot.Processes.ToArray();
        List<Note> notes = new(snapshot.Notes);
        System.Threading.Tasks.Task<RuntimeView>[] runs = work.Select(w => System.Threading.Tasks.Task.Run(() =>
        {
            try
            {
                ProcessInfo process = processes[w.Index];
                // Begun on the same process (an exec between the looks renames it): finish it, else take it whole.
                return started.TryGetValue((process.Pid, w.Enricher.Runtime), out (ProcessInfo FirstLook, IStartedView View) begun) && begun.FirstLook.Name == process.Name
                    ? begun.View.Finish(process)
                    : w.Enricher.Enrich(process, _options.EnricherBudget, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return new RuntimeView(processes[w.Index], ImmutableArray.Create(new Note("unreadable", $"{w.Enricher.Runtime} view of {processes[w.Index].Pid} failed: {e.Message}", processes[w.Index].Pid)));
            }
        })).ToArray();
        // Past three budgets (a view may take several parts, each within the budget) an enricher is abandoned: the audit must end.
        System.Threading.Tasks.Task.WaitAll(runs, _options.EnricherBudget * 3 + TimeSpan.FromSeconds(4));
        for (int i = 0; i < runs.Length; i++)
        {
            if (runs[i].IsCompletedSuccessfully && runs[i].Result is RuntimeView view)
            {
                processes[work[i].Index] = view.Process;
                notes.AddRange(view.Notes);
            }
            else
            {
                notes.Add(new Note("timeout", $"the {work[i].Enricher.Runtime} view of {processes[work[i].Index].Pid} did not finish in time", processes[work[i].Index].Pid));
            }
        }
        return snapshot with { Processes = processes.ToImmutableArray(), Notes = notes.ToImmutableArray() };
    }

    /// <summary>
    /// Everyone on the machine who holds the pipe that <paramref name="pid"/> holds as
    /// <paramref name="fd"/>; null when that fd is not a pipe (or is gone). Reads only /proc.
    /// </summary>
    public PipeHolders? FindPipeHolders(int pid, int fd) => PipeHolderFinder.Find(new ProcfsReader(_options.ProcRoot), pid, fd);

    /// <summary>
    /// Every tree on the machine that holds a wait cycle or a stall, each with its root, headline
    /// and how long it has been still: two cheap looks at the whole machine an interval apart, then
    /// a full read of only the trees that did not move. Runtime views are not taken (the options'
    /// enrichers are ignored).
    /// </summary>
    public ScanResult Scan(CancellationToken cancellationToken = default)
    {
        if (_options.ProcRoot == "/proc" ? !Directory.Exists("/proc/self") : !Directory.Exists(_options.ProcRoot))
        {
            throw new AuditException(AuditError.NotSupported, $"{_options.ProcRoot} is not a procfs: ProcAudit needs Linux with /proc mounted.");
        }
        Scanning.ScanCaptureResult read = Scanning.ScanCapture.Take(_options, _probe, _runtimes, cancellationToken);
        return Scanning.MachineScan.Find(read.Machine, read.Processes, read.Own, new ProcfsReader(_options.ProcRoot), cancellationToken);
    }

    /// <summary>Analyses a snapshot captured earlier (e.g. loaded from JSON).</summary>
    public static AuditResult Analyze(Snapshot snapshot) => new(snapshot, Analyzer.Analyze(snapshot));
}
