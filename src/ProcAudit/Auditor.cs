using ProcAudit.Analysis;
using ProcAudit.Capture;
using ProcAudit.Capture.Procfs;
using ProcAudit.Capture.Syscalls;

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
        ProcessTreeCapture capture = new(procfs, _probe, arch, live, _options, _recorder is null ? _runtimes : null);
        Snapshot? first = capture.Capture(pid, DateTimeOffset.UtcNow, _options.Adopter, cancellationToken);
        if (first is null)
        {
            throw new AuditException(AuditError.NoSuchProcess, $"no process with pid {pid} (it may have exited already)");
        }
        if (_options.Interval <= TimeSpan.Zero)
        {
            return first;
        }
        cancellationToken.WaitHandle.WaitOne(_options.Interval);
        cancellationToken.ThrowIfCancellationRequested();
        return ProgressCheck.Apply(first, procfs, _probe, (int)_options.Interval.TotalMilliseconds);
    }

    /// <summary>
    /// Everyone on the machine who holds the pipe that <paramref name="pid"/> holds as
    /// <paramref name="fd"/>; null when that fd is not a pipe (or is gone). Reads only /proc.
    /// </summary>
    public PipeHolders? FindPipeHolders(int pid, int fd) => PipeHolderFinder.Find(new ProcfsReader(_options.ProcRoot), pid, fd);

    /// <summary>Analyses a snapshot captured earlier (e.g. loaded from JSON).</summary>
    public static AuditResult Analyze(Snapshot snapshot) => new(snapshot, Analyzer.Analyze(snapshot));
}
