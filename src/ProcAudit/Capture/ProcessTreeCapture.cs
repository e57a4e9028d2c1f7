using System.Collections.Immutable;
using ProcAudit.Capture.Procfs;
using ProcAudit.Capture.Sockets;
using ProcAudit.Capture.Syscalls;

namespace ProcAudit.Capture;

/// <summary>
/// Takes one snapshot of the tree under a pid: every process and thread in it, every fd, every pipe
/// with its fill level, and every process anywhere on the machine that holds an end of one of those
/// pipes. Reads only /proc and pipe levels; never stops, signals or reads data from the tree.
/// </summary>
internal sealed partial class ProcessTreeCapture
{
    private readonly ProcfsReader _procfs;
    private readonly IPipeProbe _probe;
    private readonly SyscallArch _arch;
    private readonly bool _live;
    private readonly List<Note> _notes = new();

    /// <summary>Per process, what permission kept from us ("fds", "syscalls", "kernel stacks", ...).</summary>
    private readonly Dictionary<int, SortedSet<string>> _denied = new();

    private readonly RuntimeCache _runtimes;

    private readonly AuditOptions _options;
    private readonly HashSet<int> _stuck = new();

    /// <summary>The fdinfo "lock:" lines of captured descriptors: how an OFD lock (pid -1 in /proc/locks) finds its holder.</summary>
    private readonly Dictionary<(int Pid, int Fd), ImmutableArray<LockLine>> _fdLocks = new();
    private DateTime _deadline = DateTime.MaxValue;
    private readonly HashSet<string> _deadlineSkips = new();
    private int _root;

    public ProcessTreeCapture(ProcfsReader procfs, IPipeProbe probe, SyscallArch arch, bool live, AuditOptions options, RuntimeCache? runtimes = null)
    {
        _options = options;
        _runtimes = runtimes ?? new RuntimeCache();
        _procfs = procfs;
        _probe = probe;
        _arch = arch;
        _live = live;
    }

    /// <summary>Captures the tree, or returns null when <paramref name="root"/> does not exist.</summary>
    /// <param name="root">The pid whose tree to capture.</param>
    /// <param name="now">The capture time to record.</param>
    /// <param name="adopter">
    /// A child subreaper (procaudit run): its other children are processes that escaped the
    /// root by double fork and were reparented to it; they belong to the tree.
    /// </param>
    /// <param name="cancellationToken">Stops the capture between reads.</param>
    public Snapshot? Capture(int root, DateTimeOffset now, int? adopter, CancellationToken cancellationToken)
    {
        _deadline = DateTime.UtcNow + _options.Deadline;
        _root = root;
        ProcessTreeFinder finder = new(_procfs, root, _notes);
        if (finder.Stat(root) is null)
        {
            return null;
        }
        List<int> tree = finder.TreeUnder(root);
        if (adopter is int subreaper)
        {
            HashSet<int> already = new(tree);
            foreach (int adopted in finder.ChildrenOf(subreaper).Where(pid => !already.Contains(pid)))
            {
                tree.AddRange(finder.TreeUnder(adopted).Where(already.Add));
            }
        }
        Dictionary<int, StatRecord> stats = tree.ToDictionary(pid => pid, pid => finder.Stat(pid)!);
        HashSet<int> treeSet = new(tree);

        // Phase 1: the tree itself, descriptors, threads and command lines.
        Dictionary<int, List<FdInfo>> fds = new();
        Dictionary<int, ImmutableArray<ThreadInfo>> threads = new();
        Dictionary<int, ProcText> cmdlines = new();
        foreach (int pid in tree.ToList())
        {
            cancellationToken.ThrowIfCancellationRequested();
            // The root is always captured: a report must at least say what it was asked about.
            if (fds.Count > 0 && PastDeadline(tree.Count - fds.Count, tree.Count - fds.Count == 1 ? "process of the tree" : "processes of the tree"))
            {
                tree.RemoveAll(p => !fds.ContainsKey(p));
                treeSet.IntersectWith(tree);
                break;
            }
            Keep(ReadOneImage(stats[pid]));
        }

        // Phase 2: the pipes and sockets the tree waits on (and the far ends of those sockets), and
        // everyone on the machine who holds one of them.
        HashSet<ulong> awaited = Awaited(tree, fds, threads, FdKind.Pipe);
        SocketTable? sockets = tree.Any(pid => fds[pid].Any(f => f.Kind == FdKind.Socket)) ? ReadSockets(root) : null;
        HashSet<ulong> socketScan = sockets is null ? new HashSet<ulong>() : SocketsToScan(sockets, Awaited(tree, fds, threads, FdKind.Socket));
        if (sockets is not null)
        {
            foreach (int pid in tree)
            {
                threads[pid] = threads[pid].Select(t => t.Syscall is { Name: "connect" } c && ConnectTarget(pid, c, sockets) is ulong listener
                    ? t with { Syscall = c with { Target = $"socket:[{listener}]" } }
                    : t).ToImmutableArray();
                foreach (ThreadInfo t in threads[pid].Where(t => t.Syscall?.Target is not null))
                {
                    socketScan.Add(FdLink.Classify(t.Syscall!.Target!).Inode!.Value);
                }
            }
        }
        List<int> outsiders = new();
        if (awaited.Count > 0 || socketScan.Count > 0)
        {
            // One readlink per fd on the machine, spread over the cores; only the few holders found
            // are then described in full, in pid order.
            List<int> candidates = finder.Machine().Where(pid => !treeSet.Contains(pid)).Order().ToList();
            System.Collections.Concurrent.ConcurrentDictionary<int, List<FdLinkEntry>> holding = new();
            bool stoppedEarly = false;
            Parallel.ForEach(candidates, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, (pid, loop) =>
            {
                if (DateTime.UtcNow >= _deadline)
                {
                    stoppedEarly = true;
                    loop.Stop();
                    return;
                }
                List<FdLinkEntry> links = FdScan.Links(_procfs, pid);
                if (FdScan.HoldsAny(links, awaited, socketScan))
                {
                    holding[pid] = links;
                }
            });
            if (stoppedEarly)
            {
                PastDeadline(0, "holders outside the tree (the search stopped early; some holders may be missing)");
            }
            foreach ((int pid, List<FdLinkEntry> links) in holding.OrderBy(kv => kv.Key))
            {
                if (finder.Stat(pid) is not StatRecord stat)
                {
                    continue; // exited since its fds were read
                }
                Keep(ReadOneImage(stat, links.Select(l => DescribeFd(pid, l.Fd, l.Target)).ToList()));
                outsiders.Add(pid);
            }
        }

        // Phase 3: the level of every pipe the tree holds; the queues and peers of its sockets.
        ImmutableArray<PipeInfo> pipes = MeasurePipes(fds, treeSet, awaited);
        ImmutableArray<SocketInfo> socketInfos = sockets is null ? ImmutableArray<SocketInfo>.Empty : DescribeSockets(sockets, fds, treeSet, socketScan);
        if (sockets is not null)
        {
            foreach (int pid in fds.Keys.ToList())
            {
                fds[pid] = fds[pid].Select(f => f.Kind == FdKind.Socket && f.Inode is ulong ino && sockets.Find(ino) is SocketEntry e ? f with { Kind = e.FdKind } : f).ToList();
            }
        }

        ImmutableArray<FileLockInfo> fileLocks = ReadFileLocks(fds, threads);

        ImmutableArray<ProcessInfo>.Builder processes = ImmutableArray.CreateBuilder<ProcessInfo>();
        foreach (int pid in tree.Concat(outsiders))
        {
            processes.Add(ReadProcess(stats[pid], treeSet.Contains(pid), fds[pid], threads[pid], cmdlines[pid]));
        }

        return new Snapshot
        {
            CapturedAt = now,
            Root = root,
            Adopter = adopter,
            Arch = _arch == SyscallArch.Arm64 ? "arm64" : "x64",
            RootExited = !_procfs.Exists(root.ToString(System.Globalization.CultureInfo.InvariantCulture)) || stats[root].State == "Z",
            Processes = processes.ToImmutable(),
            Pipes = pipes,
            Sockets = socketInfos,
            FileLocks = fileLocks,
            Notes = _notes.ToImmutableArray(),
        };

        void Keep(ProcessReading reading)
        {
            int pid = reading.Stat.Pid;
            stats[pid] = reading.Stat;
            fds[pid] = reading.Fds;
            threads[pid] = reading.Threads;
            cmdlines[pid] = reading.Cmdline;
        }
    }

    private List<FdInfo> ReadFds(int pid, bool withInfo)
    {
        List<FdInfo> result = new();
        IReadOnlyList<int> numbers = _procfs.ListNumbers($"{pid}/fd", out ReadOutcome outcome);
        if (outcome == ReadOutcome.Denied)
        {
            Deny(pid, "fds");
        }
        foreach (int fd in numbers)
        {
            ProcText link = _procfs.ReadLink($"{pid}/fd/{fd}");
            if (!link.Ok)
            {
                continue; // closed between listing and reading
            }
            result.Add(withInfo ? DescribeFd(pid, fd, link.Text!) : Bare(fd, link.Text!));
        }
        return result;
    }

    private static FdInfo Bare(int fd, string target)
    {
        FdTarget t = FdLink.Classify(target);
        return new FdInfo { Fd = fd, Kind = t.Kind, Target = target, Inode = t.Inode };
    }

    private FdInfo DescribeFd(int pid, int fd, string target)
    {
        FdInfo bare = Bare(fd, target);
        ProcText info = _procfs.ReadText($"{pid}/fdinfo/{fd}");
        if (!info.Ok || FdInfoFile.Parse(info.Text!) is not FdInfoRecord record)
        {
            return bare;
        }
        if (!record.Locks.IsDefaultOrEmpty)
        {
            _fdLocks[(pid, fd)] = record.Locks;
        }
        return bare with
        {
            Access = record.Access,
            Inode = bare.Inode ?? record.Inode,
            Watches = record.Watches.Select(w => w.Fd).ToImmutableArray(),
        };
    }

    /// <summary>
    /// Readlinks every fd of an outside process; only when one of them is a pipe of interest is
    /// the process described in full (fdinfo for each fd it holds). Costs one readlink per fd.
    /// </summary>
    /// <summary>
    /// Pipes (or sockets) a thread of the tree is blocked on (read, write, any fd call), and those a
    /// tree process watches through epoll (a runtime parked in its poller waits on those).
    /// </summary>
    internal static HashSet<ulong> Awaited(IEnumerable<int> tree, IReadOnlyDictionary<int, List<FdInfo>> fds, IReadOnlyDictionary<int, ImmutableArray<ThreadInfo>> threads, FdKind kind) =>
        Awaited(tree, fds, threads, f => f.Kind == kind);

    /// <inheritdoc cref="Awaited(IEnumerable{int}, IReadOnlyDictionary{int, List{FdInfo}}, IReadOnlyDictionary{int, ImmutableArray{ThreadInfo}}, FdKind)"/>
    internal static HashSet<ulong> Awaited(IEnumerable<int> tree, IReadOnlyDictionary<int, List<FdInfo>> fds, IReadOnlyDictionary<int, ImmutableArray<ThreadInfo>> threads, Func<FdInfo, bool> kind)
    {
        HashSet<ulong> awaited = new();
        foreach (int pid in tree)
        {
            Dictionary<int, FdInfo> byFd = fds[pid].ToDictionary(f => f.Fd);
            IEnumerable<int> blockedOn = threads[pid].Where(t => t.Syscall?.Fd is not null).Select(t => t.Syscall!.Fd!.Value);
            IEnumerable<int> watched = fds[pid].Where(f => f.Kind == FdKind.Eventpoll).SelectMany(f => f.Watches);
            foreach (int fd in blockedOn.Concat(watched))
            {
                if (byFd.TryGetValue(fd, out FdInfo? f) && kind(f) && f.Inode is ulong ino)
                {
                    awaited.Add(ino);
                }
            }
        }
        return awaited;
    }

    private ImmutableArray<PipeInfo> MeasurePipes(Dictionary<int, List<FdInfo>> fds, HashSet<int> tree, HashSet<ulong> scanned)
    {
        ImmutableArray<PipeInfo>.Builder pipes = ImmutableArray.CreateBuilder<PipeInfo>();
        IEnumerable<ulong> inodes = tree.SelectMany(pid => fds[pid]).Where(f => f.Kind == FdKind.Pipe && f.Inode is not null).Select(f => f.Inode!.Value).Distinct().Order();
        foreach (ulong inode in inodes)
        {
            List<Holder> holders = new();
            foreach ((int pid, List<FdInfo> list) in fds.OrderBy(kv => kv.Key))
            {
                foreach (FdInfo f in list)
                {
                    if (f.Kind == FdKind.Pipe && f.Inode == inode)
                    {
                        holders.Add(new Holder(pid, f.Fd, f.Access switch { "read" => "reader", "write" => "writer", _ => "unknown" }));
                    }
                }
            }
            // Probe through a holder in the tree when there is one: it is the process we may read.
            (int Pid, int Fd)? via = ProbeHolder.Choose(holders, tree.Contains);
            PipeLevel level = via is not { } v ? new PipeLevel(null, null, "no holder left")
                : PastDeadline(0, "pipe fill levels") ? new PipeLevel(null, null, null)
                : _probe.Probe(v.Pid, v.Fd, inode);
            if (level.Problem is not null)
            {
                _notes.Add(new Note("unreadable", $"fill level of pipe:[{inode}] unknown: {level.Problem}", via?.Pid));
            }
            pipes.Add(new PipeInfo
            {
                Id = $"pipe:[{inode}]",
                Inode = inode,
                QueuedBytes = level.QueuedBytes,
                CapacityBytes = level.CapacityBytes,
                Holders = holders.ToImmutableArray(),
                HoldersComplete = scanned.Contains(inode),
            });
        }
        return pipes.ToImmutable();
    }

    private ProcessInfo ReadProcess(StatRecord stat, bool inTree, List<FdInfo> fds, ImmutableArray<ThreadInfo> threads, ProcText cmdline)
    {
        int pid = stat.Pid;
        ProcText status = _procfs.ReadText($"{pid}/status");
        StatusRecord? st = status.Ok ? StatusFile.Parse(status.Text!) : null;
        // Past the deadline no more reads that could block: the runtime is found from maps.
        bool late = pid != _root && PastDeadline(0, "command lines and runtimes");
        if (cmdline.Outcome == ReadOutcome.Denied)
        {
            Deny(pid, "command line");
        }
        bool restricted = _denied.TryGetValue(pid, out SortedSet<string>? denied) && (denied.Contains("fds") || denied.Contains("syscalls"));
        if (restricted)
        {
            // Its executable, maps and memory are closed to us too: no goroutines, no .NET stacks or lock owners.
            denied!.Add("runtime views");
        }
        if (denied is not null)
        {
            string owner = st?.Uid is int uid ? $" (uid {uid})" : "";
            _notes.Add(new Note("denied",
                $"could not read the {string.Join(", ", denied)} of {stat.Comm} {pid}{owner}: run as the same user, or as root (CAP_SYS_PTRACE; kernel stacks need root)", pid));
        }
        return new ProcessInfo
        {
            Pid = pid,
            PPid = stat.PPid,
            Uid = st?.Uid,
            Name = stat.Comm,
            Cmdline = !cmdline.Ok ? ImmutableArray<string>.Empty
                : _options.Redact ? Redactor.RedactCmdline(CmdlineFile.Parse(cmdline.Text!))
                : CmdlineFile.Parse(cmdline.Text!),
            State = stat.State,
            Restricted = restricted,
            TracerPid = st?.TracerPid is int tracer && tracer > 0 ? tracer : null,
            Runtime = stat.IsKernelThread || stat.State == "Z" || late ? null : _runtimes.GetOrAdd(pid, stat.StartTime, stat.Comm, () => DetectRuntime(pid)),
            InTree = inTree,
            KernelThread = stat.IsKernelThread,
            Threads = threads,
            Fds = fds.ToImmutableArray(),
        };
    }

    /// <summary>
    /// cmdline and maps take the process's memory lock: bounded, and after one timeout the rest of
    /// that process's memory-backed files are skipped rather than waited for again.
    /// </summary>
    private ProcText ReadMemoryBacked(int pid, string file, int limit)
    {
        if (_stuck.Contains(pid))
        {
            return new ProcText(null, ReadOutcome.TimedOut);
        }
        ProcText text = _procfs.ReadTextBounded($"{pid}/{file}", _options.ReadTimeout, limit);
        if (text.Outcome == ReadOutcome.TimedOut)
        {
            _stuck.Add(pid);
            _notes.Add(new Note("timeout",
                $"reading /proc/{pid}/{file} did not finish within {_options.ReadTimeout.TotalMilliseconds:0} ms (the process may be stuck in the kernel holding its memory lock): its command line and runtime are left out",
                pid, $"{pid}/{file}"));
        }
        return text;
    }

    private string? DetectRuntime(int pid) => RuntimeDetector.Read(_procfs, pid, ReadMemoryBacked(pid, "maps", 8 << 20), _live).Name;

    private ImmutableArray<ThreadInfo> ReadThreads(int pid, List<FdInfo> fds)
    {
        ImmutableArray<ThreadInfo>.Builder threads = ImmutableArray.CreateBuilder<ThreadInfo>();
        IReadOnlyList<int> tids = _procfs.ListNumbers($"{pid}/task", out _);
        foreach (int tid in tids.OrderBy(t => t == pid ? 0 : 1).ThenBy(t => t))
        {
            ThreadSample? sample = ThreadSampler.Read(_procfs, pid, tid);
            if (sample is null)
            {
                continue; // the thread exited between listing and reading
            }
            ProcText wchan = _procfs.ReadText($"{pid}/task/{tid}/wchan");
            ProcText stack = _procfs.ReadText($"{pid}/task/{tid}/stack");
            if (stack.Outcome == ReadOutcome.Denied)
            {
                Deny(pid, "kernel stacks");
            }
            if (sample.SyscallDenied)
            {
                Deny(pid, "syscalls");
            }
            threads.Add(WithWaitArguments(pid, new ThreadInfo
            {
                Tid = tid,
                Name = sample.Comm,
                State = sample.State,
                Wchan = wchan.Ok ? WchanFile.Parse(wchan.Text!) : null,
                Syscall = DescribeSyscall(sample.Syscall, fds),
                KernelStack = stack.Ok ? StackFile.Parse(stack.Text!) : ImmutableArray<string>.Empty,
                CpuTicks = sample.CpuTicks,
                ContextSwitches = sample.ContextSwitches,
            }));
        }
        if (!_live)
        {
            return threads.ToImmutable();
        }
        // Whom a futex waiter waits for needs the process's memory, so only a live audit can tell.
        ImmutableHashSet<int> threadIds = threads.Select(t => t.Tid).ToImmutableHashSet();
        return threads.Select(t => t.Syscall is { Name: "futex" } call ? t with { FutexOwner = FutexOwners.Find(pid, t.Tid, call, threadIds) } : t).ToImmutableArray();
    }

    /// <summary>True once the audit's deadline has passed; the first time, a note says what was skipped.</summary>
    private bool PastDeadline(int skipped, string what)
    {
        if (DateTime.UtcNow < _deadline)
        {
            return false;
        }
        if (_deadlineSkips.Add(what))
        {
            string count = skipped > 0 ? $"{skipped} " : "";
            _notes.Add(new Note("timeout", $"the audit reached its deadline ({_options.Deadline.TotalSeconds:0.#} s): skipped {count}{what}"));
        }
        return true;
    }

    private void Deny(int pid, string what)
    {
        if (!_denied.TryGetValue(pid, out SortedSet<string>? set))
        {
            _denied[pid] = set = new SortedSet<string>(StringComparer.Ordinal);
        }
        set.Add(what);
    }

    private SyscallInfo? DescribeSyscall(SyscallRecord? record, List<FdInfo> fds)
    {
        if (record is null || !record.InSyscall)
        {
            return null;
        }
        string? name = SyscallTable.Name(_arch, record.Number);
        int? fd = null;
        string? obj = null;
        SyscallShape shape = name is null ? SyscallShape.Other : SyscallTable.Shape(name);
        if (shape is SyscallShape.FdRead or SyscallShape.FdWrite or SyscallShape.FdOther)
        {
            // An fd is an int in the first register; anything larger is not a descriptor.
            ulong raw = record.Args[0];
            if (raw <= int.MaxValue)
            {
                fd = (int)raw;
                obj = fds.FirstOrDefault(f => f.Fd == fd)?.Target;
            }
        }
        return new SyscallInfo { Number = record.Number, Name = name, Shape = shape, Args = record.Args, Fd = fd, Object = obj };
    }
}
