using System.Collections.Immutable;
using ProcAudit.Capture.Phases;
using ProcAudit.Capture.Procfs;
using ProcAudit.Capture.Syscalls;

namespace ProcAudit.Capture;

/// <summary>
/// Takes one snapshot of the tree under a pid: every process and thread in it, every fd, every pipe
/// with its fill level, and every process anywhere on the machine that holds an end of one of those
/// pipes. Reads only /proc and pipe levels; never stops, signals or reads data from the tree.
/// </summary>
internal sealed class ProcessTreeCapture
{
    private readonly ProcfsReader _procfs;
    private readonly IPipeProbe _probe;
    private readonly SyscallArch _arch;
    private readonly bool _live;
    private readonly CaptureOptions _options;
    private readonly RuntimeCache _runtimes;

    public ProcessTreeCapture(ProcfsReader procfs, IPipeProbe probe, SyscallArch arch, bool live, CaptureOptions options, RuntimeCache? runtimes = null)
    {
        _procfs = procfs;
        _probe = probe;
        _arch = arch;
        _live = live;
        _options = options;
        _runtimes = runtimes ?? new RuntimeCache();
    }

    /// <summary>Captures the tree, or returns null when <paramref name="root"/> does not exist.</summary>
    /// <param name="root">The pid whose tree to capture.</param>
    /// <param name="now">The capture time to record.</param>
    /// <param name="adopter">A child subreaper (procaudit run) whose other children belong to the tree.</param>
    /// <param name="cancellationToken">Stops the capture between reads.</param>
    /// <param name="tops">A scan's trees: the trees under these are captured instead of the one under <paramref name="root"/>.</param>
    /// <param name="looked">A scan's last look at the machine: every process's stat and threads, from which the trees are found without reading them again.</param>
    public Snapshot? Capture(int root, DateTimeOffset now, int? adopter, CancellationToken cancellationToken, IReadOnlyList<int>? tops = null, IReadOnlyDictionary<int, SampledProcess>? looked = null)
    {
        // The phases run in this order because each needs what the one before found: the holder
        // scan looks for what the tree waits on, and pipes and sockets are described with every holder known.
        CaptureContext context = new(_procfs, _options, _arch, _live, root, cancellationToken)
        {
            Look = looked,
            Locks = _options.Lean && _live ? _procfs.ReadText("locks") : null,
        };
        ProcessTreeFinder finder = looked is null ? new(_procfs, root, context.Notes) : new(_procfs, looked, context.Notes);
        Task<Sockets.SocketTable>? socketTables = WaitTargetsPhase.ReadEarly(context);
        if (!TreePhase.Run(context, finder, adopter, tops))
        {
            return null;
        }
        WaitTargets targets = WaitTargetsPhase.Run(context, socketTables);
        PipeAccessPhase.Run(context, targets.Pipes);
        HolderScanPhase.Run(context, finder, targets);
        ImmutableArray<PipeInfo> pipes = PipePhase.Run(context, _probe, targets.Pipes);
        ImmutableArray<SocketInfo> sockets = SocketPhase.Run(context, targets);
        ImmutableArray<FileLockInfo> fileLocks = LockPhase.Run(context);
        ImmutableArray<EventfdInfo> eventfds = EventfdPhase.Run(context);
        ImmutableArray<ProcessInfo> processes = ProcessPhase.Run(context, _runtimes);
        return new Snapshot
        {
            CapturedAt = now,
            Root = root,
            Adopter = adopter,
            Arch = _arch == SyscallArch.Arm64 ? "arm64" : "x64",
            RootExited = !_procfs.Exists(root.ToString(System.Globalization.CultureInfo.InvariantCulture)) || context.Stats.GetValueOrDefault(root)?.State == "Z",
            Processes = processes,
            Pipes = pipes,
            Sockets = sockets,
            FileLocks = fileLocks,
            Eventfds = eventfds,
            Notes = context.Notes.ToImmutableArray(),
        };
    }
}
