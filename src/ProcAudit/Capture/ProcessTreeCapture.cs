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
internal sealed class ProcessTreeCapture
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
        Dictionary<int, StatRecord> stats = ReadAllStats(root);
        if (!stats.ContainsKey(root))
        {
            return null;
        }
        List<int> tree = TreeUnder(root, stats);
        if (adopter is int subreaper)
        {
            HashSet<int> already = new(tree);
            foreach (StatRecord adopted in stats.Values.Where(s => s.PPid == subreaper && !already.Contains(s.Pid)).OrderBy(s => s.Pid))
            {
                tree.AddRange(TreeUnder(adopted.Pid, stats).Where(already.Add));
            }
        }
        HashSet<int> treeSet = new(tree);

        // Phase 1: the tree itself, descriptors and threads.
        Dictionary<int, List<FdInfo>> fds = new();
        Dictionary<int, ImmutableArray<ThreadInfo>> threads = new();
        foreach (int pid in tree.ToList())
        {
            cancellationToken.ThrowIfCancellationRequested();
            // The root is always captured: a report must at least say what it was asked about.
            if (fds.Count > 0 && PastDeadline(tree.Count - fds.Count, "processes of the tree"))
            {
                tree.RemoveAll(p => !fds.ContainsKey(p));
                treeSet.IntersectWith(tree);
                break;
            }
            fds[pid] = ReadFds(pid, withInfo: true);
            threads[pid] = stats[pid].IsKernelThread ? ImmutableArray<ThreadInfo>.Empty : ReadThreads(pid, fds[pid]);
        }

        // Phase 2: the pipes and sockets the tree waits on (and the far ends of those sockets), and
        // everyone on the machine who holds one of them.
        HashSet<ulong> awaited = Awaited(tree, fds, threads, "pipe");
        SocketTable? sockets = tree.Any(pid => fds[pid].Any(f => f.Kind == "socket")) ? ReadSockets(root) : null;
        HashSet<ulong> socketScan = sockets is null ? new HashSet<ulong>() : SocketsToScan(sockets, Awaited(tree, fds, threads, "socket"));
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
            List<int> candidates = stats.Keys.Where(pid => !treeSet.Contains(pid) && !stats[pid].IsKernelThread).Order().ToList();
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
                List<FdInfo> held = links.Select(l => DescribeFd(pid, l.Fd, l.Target)).ToList();
                fds[pid] = held;
                threads[pid] = ReadThreads(pid, held);
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
                fds[pid] = fds[pid].Select(f => f.Kind == "socket" && f.Inode is ulong ino && sockets.Find(ino) is SocketEntry e ? f with { Kind = e.KindName } : f).ToList();
            }
        }

        ImmutableArray<FileLockInfo> fileLocks = ReadFileLocks(fds, threads);

        ImmutableArray<ProcessInfo>.Builder processes = ImmutableArray.CreateBuilder<ProcessInfo>();
        foreach (int pid in tree.Concat(outsiders))
        {
            processes.Add(ReadProcess(stats[pid], treeSet.Contains(pid), fds[pid], threads[pid]));
        }

        return new Snapshot
        {
            CapturedAt = now,
            Root = root,
            Arch = _arch == SyscallArch.Arm64 ? "arm64" : "x64",
            RootExited = !_procfs.Exists(root.ToString(System.Globalization.CultureInfo.InvariantCulture)) || stats[root].State == "Z",
            Processes = processes.ToImmutable(),
            Pipes = pipes,
            Sockets = socketInfos,
            FileLocks = fileLocks,
            Notes = _notes.ToImmutableArray(),
        };
    }

    private Dictionary<int, StatRecord> ReadAllStats(int root)
    {
        Dictionary<int, StatRecord> stats = new();
        foreach (int pid in _procfs.ListNumbers("", out _))
        {
            ProcText text = _procfs.ReadText($"{pid}/stat");
            if (text.Ok && StatFile.Parse(text.Text!) is StatRecord stat)
            {
                stats[pid] = stat;
            }
            else if (pid == root && text.Ok)
            {
                _notes.Add(new Note("unreadable", $"/proc/{pid}/stat has a shape ProcAudit does not know", pid, $"{pid}/stat"));
            }
        }
        return stats;
    }

    /// <summary>The root and its descendants by parent pid, breadth first.</summary>
    private static List<int> TreeUnder(int root, Dictionary<int, StatRecord> stats)
    {
        Dictionary<int, List<int>> children = new();
        foreach (StatRecord s in stats.Values)
        {
            if (s.Pid == root)
            {
                continue;
            }
            if (!children.TryGetValue(s.PPid, out List<int>? list))
            {
                children[s.PPid] = list = new List<int>();
            }
            list.Add(s.Pid);
        }
        List<int> order = new() { root };
        for (int i = 0; i < order.Count; i++)
        {
            if (children.TryGetValue(order[i], out List<int>? kids))
            {
                kids.Sort();
                order.AddRange(kids);
            }
        }
        return order;
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
    /// The socket tables of the tree's network namespace: /proc/ROOT/net/* (read through the root,
    /// so a tree in its own namespace is read in it) joined with the unix sock_diag dump for peers
    /// and queues, which /proc/net/unix lacks. The dump is only taken live.
    /// </summary>
    private SocketTable ReadSockets(int root)
    {
        UnixDiagDump? unix = _live ? UnixSocketDiag.Dump() : null;
        // TCP's dump adds what /proc/net/tcp lacks: a listener's backlog limit.
        InetDiagDump? tcp = _live ? InetSocketDiag.DumpTcp() : null;
        SocketTable table = SocketTable.Read(_procfs, root, unix, tcp);
        _notes.AddRange(table.Notes);
        return table;
    }

    /// <summary>
    /// The listener a thread blocked in connect() is trying to reach, from the sockaddr it passed
    /// (read from its memory): a unix path, or a TCP port on this machine. Live only.
    /// </summary>
    private ulong? ConnectTarget(int pid, SyscallInfo call, SocketTable table)
    {
        if (!_live || call.Name != "connect" || call.Args.Length < 3 || call.Args[2] is < 2 or > 128
            || ProcessMemory.TryRead(pid, call.Args[1], (int)call.Args[2]) is not byte[] addr)
        {
            return null;
        }
        ushort family = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(addr);
        IEnumerable<SocketEntry> listeners = table.ByInode.Values.Where(e => e.IsListener);
        if (family == 1)
        {
            // sockaddr_un: a path, or an abstract name after a NUL (shown with a leading '@').
            string raw = System.Text.Encoding.UTF8.GetString(addr, 2, addr.Length - 2);
            string path = raw.StartsWith('\0') ? "@" + raw[1..].TrimEnd('\0') : raw.Split('\0')[0];
            return listeners.FirstOrDefault(e => e.Kind == SocketKind.Unix && e.Path == path)?.Inode;
        }
        if (family is 2 or 10 && addr.Length >= 4)
        {
            int port = (addr[2] << 8) | addr[3];
            return listeners.FirstOrDefault(e => e.IsTcp && e.Local?.Port == port)?.Inode;
        }
        return null;
    }

    /// <summary>The sockets the tree waits on and, for each, the far end when it is on this machine.</summary>
    private static HashSet<ulong> SocketsToScan(SocketTable table, HashSet<ulong> awaited)
    {
        HashSet<ulong> scan = new(awaited);
        foreach (ulong inode in awaited)
        {
            if (table.Find(inode) is SocketEntry entry && table.FindPeer(entry) is { Inode: > 0 } peer)
            {
                scan.Add(peer.Inode);
            }
        }
        return scan;
    }

    private static ImmutableArray<SocketInfo> DescribeSockets(SocketTable table, Dictionary<int, List<FdInfo>> fds, HashSet<int> tree, HashSet<ulong> scanned)
    {
        IEnumerable<ulong> held = tree.SelectMany(pid => fds[pid]).Where(f => f.Kind == "socket" && f.Inode is not null).Select(f => f.Inode!.Value);
        ImmutableArray<SocketInfo>.Builder result = ImmutableArray.CreateBuilder<SocketInfo>();
        foreach (ulong inode in held.Concat(scanned).Distinct().Order())
        {
            SocketEntry? e = table.Find(inode);
            SocketEntry? peer = e is null ? null : table.FindPeer(e);
            ImmutableArray<Holder> holders = fds.OrderBy(kv => kv.Key)
                .SelectMany(kv => kv.Value.Where(f => f.Kind == "socket" && f.Inode == inode).Select(f => new Holder(kv.Key, f.Fd, "owner")))
                .ToImmutableArray();
            bool unixStream = e?.Kind == SocketKind.Unix && e.UnixType == UnixSocketType.Stream;
            result.Add(new SocketInfo
            {
                Id = $"socket:[{inode}]",
                Inode = inode,
                Kind = e?.KindName ?? "socket",
                State = e?.State,
                Listener = e?.IsListener ?? false,
                Local = e?.Local?.ToString(),
                Remote = e?.Remote?.ToString(),
                Path = e?.Path,
                // A unix stream's unsent bytes are the ones its peer has not read; the kernel charges them to the writer as memory.
                SendQueueBytes = unixStream ? peer?.RecvQueue : e?.SendQueue,
                RecvQueueBytes = e?.RecvQueue,
                BacklogLimit = e?.BacklogLimit,
                ZeroWindow = e?.ZeroWindowProbe ?? false,
                Peer = peer is { Inode: > 0 } ? $"socket:[{peer.Inode}]" : null,
                Holders = holders,
                HoldersComplete = scanned.Contains(inode),
            });
        }
        return result.ToImmutable();
    }

    /// <summary>
    /// Pipes (or sockets) a thread of the tree is blocked on (read, write, any fd call), and those a
    /// tree process watches through epoll (a runtime parked in its poller waits on those).
    /// </summary>
    private static HashSet<ulong> Awaited(List<int> tree, Dictionary<int, List<FdInfo>> fds, Dictionary<int, ImmutableArray<ThreadInfo>> threads, string kind)
    {
        HashSet<ulong> awaited = new();
        foreach (int pid in tree)
        {
            Dictionary<int, FdInfo> byFd = fds[pid].ToDictionary(f => f.Fd);
            IEnumerable<int> blockedOn = threads[pid].Where(t => t.Syscall?.Fd is not null).Select(t => t.Syscall!.Fd!.Value);
            IEnumerable<int> watched = fds[pid].Where(f => f.Kind == "eventpoll").SelectMany(f => f.Watches);
            foreach (int fd in blockedOn.Concat(watched))
            {
                if (byFd.TryGetValue(fd, out FdInfo? f) && f.Kind == kind && f.Inode is ulong ino)
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
        IEnumerable<ulong> inodes = tree.SelectMany(pid => fds[pid]).Where(f => f.Kind == "pipe" && f.Inode is not null).Select(f => f.Inode!.Value).Distinct().Order();
        foreach (ulong inode in inodes)
        {
            List<Holder> holders = new();
            foreach ((int pid, List<FdInfo> list) in fds.OrderBy(kv => kv.Key))
            {
                foreach (FdInfo f in list)
                {
                    if (f.Kind == "pipe" && f.Inode == inode)
                    {
                        holders.Add(new Holder(pid, f.Fd, f.Access switch { "read" => "reader", "write" => "writer", _ => "unknown" }));
                    }
                }
            }
            // Probe through a holder in the tree when there is one: it is the process we may read.
            Holder? via = holders.FirstOrDefault(h => tree.Contains(h.Pid)) ?? holders.FirstOrDefault();
            PipeLevel level = via is null ? new PipeLevel(null, null, "no holder left")
                : PastDeadline(0, "pipe fill levels") ? new PipeLevel(null, null, null)
                : _probe.Probe(via.Pid, via.Fd ?? -1, inode);
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

    private ProcessInfo ReadProcess(StatRecord stat, bool inTree, List<FdInfo> fds, ImmutableArray<ThreadInfo> threads)
    {
        int pid = stat.Pid;
        ProcText status = _procfs.ReadText($"{pid}/status");
        StatusRecord? st = status.Ok ? StatusFile.Parse(status.Text!) : null;
        // Past the deadline only what stat already told is kept: no more reads that could block.
        bool late = pid != _root && PastDeadline(0, "command lines and runtimes");
        ProcText cmdline = late ? new ProcText(null, ReadOutcome.TimedOut) : ReadMemoryBacked(pid, "cmdline", 128 * 1024);
        if (cmdline.Outcome == ReadOutcome.Denied)
        {
            Deny(pid, "command line");
        }
        bool restricted = _denied.TryGetValue(pid, out SortedSet<string>? denied) && (denied.Contains("fds") || denied.Contains("syscalls"));
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

    private string? DetectRuntime(int pid)
    {
        ProcText exe = _procfs.ReadLink($"{pid}/exe");
        ProcText maps = ReadMemoryBacked(pid, "maps", 8 << 20);
        IReadOnlySet<string> mapped = maps.Ok ? MapsFile.MappedFileNames(maps.Text!) : new HashSet<string>();
        string? exeName = exe.Ok ? Path.GetFileName(exe.Text!.Replace(" (deleted)", "", StringComparison.Ordinal)) : null;
        return RuntimeDetector.Detect(exeName, mapped, () => _live && ElfSections.HasSection(_procfs.PathOf($"{pid}/exe"), ".go.buildinfo"));
    }

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
            threads.Add(new ThreadInfo
            {
                Tid = tid,
                Name = sample.Comm,
                State = sample.State,
                Wchan = wchan.Ok ? WchanFile.Parse(wchan.Text!) : null,
                Syscall = DescribeSyscall(sample.Syscall, fds),
                KernelStack = stack.Ok ? StackFile.Parse(stack.Text!) : ImmutableArray<string>.Empty,
                CpuTicks = sample.CpuTicks,
                ContextSwitches = sample.ContextSwitches,
            });
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

    /// <summary>
    /// The /proc/locks groups (a held lock and the requests queued behind it) in which a captured
    /// process holds or waits. A holder shown as pid -1 (an OFD lock) is found through the fdinfo
    /// "lock:" lines of captured descriptors; a waiter's descriptor through its blocked syscall.
    /// </summary>
    private ImmutableArray<FileLockInfo> ReadFileLocks(Dictionary<int, List<FdInfo>> fds, Dictionary<int, ImmutableArray<ThreadInfo>> threads)
    {
        ProcText text = _procfs.ReadText("locks");
        if (!text.Ok)
        {
            return ImmutableArray<FileLockInfo>.Empty;
        }
        ImmutableArray<LockLine> lines = LocksFile.Parse(text.Text!, out ImmutableArray<string> skipped);
        _notes.AddRange(skipped.Select(m => new Note("unreadable", m, Path: "locks")));

        (int Pid, int Fd)? HolderOf(LockLine l) =>
            _fdLocks.Where(kv => kv.Value.Any(x => x.Class == l.Class && x.Inode == l.Inode && x.Start == l.Start && x.End == l.End && x.Depth == 0
                    && (x.Pid == l.Pid || l.Pid is null)))
                .Select(kv => ((int, int)?)kv.Key).FirstOrDefault();

        int? WaiterFd(int pid) => threads.TryGetValue(pid, out ImmutableArray<ThreadInfo> ts)
            ? ts.FirstOrDefault(t => t.Syscall?.Name is "flock" or "fcntl")?.Syscall?.Fd
            : null;

        // OFD waiters show pid -1 too: find the thread blocked in fcntl(F_OFD_SETLKW) on that file
        // whose requested range, read from its struct flock, is the queued one.
        (int Pid, int Fd)? OfdWaiter(LockLine l) =>
            threads.SelectMany(kv => kv.Value.Select(t => (Pid: kv.Key, Thread: t)))
                .Where(x => x.Thread.Syscall is { Name: "fcntl", Fd: int } c && c.Args.Length > 2 && c.Args[1] == F_OFD_SETLKW
                    && fds[x.Pid].FirstOrDefault(f => f.Fd == c.Fd)?.Inode == l.Inode
                    && RequestedRange(x.Pid, c.Args[2]) is { } range && range.Start == l.Start && range.End == l.End)
                .Select(x => ((int, int)?)(x.Pid, x.Thread.Syscall!.Fd!.Value))
                .FirstOrDefault();

        ImmutableArray<FileLockInfo>.Builder result = ImmutableArray.CreateBuilder<FileLockInfo>();
        foreach (IGrouping<int, LockLine> group in lines.GroupBy(l => l.Id))
        {
            List<(LockLine Line, int? Pid, int? Fd)> resolved = group.Select(l =>
            {
                if (l.Depth == 0)
                {
                    (int Pid, int Fd)? holder = HolderOf(l);
                    return (l, l.Pid ?? holder?.Pid, holder?.Fd);
                }
                if (l.Pid is null && l.Class == "OFDLCK" && OfdWaiter(l) is (int wp, int wf))
                {
                    return (l, wp, wf);
                }
                return (l, l.Pid, l.Pid is int p ? WaiterFd(p) : null);
            }).ToList();
            if (!resolved.Any(r => r.Pid is int p && fds.ContainsKey(p)))
            {
                continue;
            }
            foreach ((LockLine line, int? pid, int? fd) in resolved)
            {
                string? path = pid is int p && fd is int f && fds.TryGetValue(p, out List<FdInfo>? list)
                    ? list.FirstOrDefault(x => x.Fd == f && x.Target.StartsWith('/'))?.Target
                    : null;
                result.Add(new FileLockInfo
                {
                    Id = LockId(line),
                    Ordinal = line.Id,
                    Depth = line.Depth,
                    Class = line.Class,
                    Access = line.Access,
                    Pid = pid,
                    Fd = fd,
                    Path = path,
                    Start = line.Start,
                    End = line.End,
                });
            }
        }
        return result.ToImmutable();
    }

    private const ulong F_OFD_SETLKW = 0x26;

    /// <summary>The byte range of the struct flock a blocked fcntl passed (x86-64 and arm64 share its layout); live only.</summary>
    private (ulong Start, ulong? End)? RequestedRange(int pid, ulong address)
    {
        if (!_live || ProcessMemory.TryRead(pid, address, 32) is not byte[] flock)
        {
            return null;
        }
        // struct flock { short l_type; short l_whence; off_t l_start; off_t l_len; pid_t l_pid; }
        short whence = System.Buffers.Binary.BinaryPrimitives.ReadInt16LittleEndian(flock.AsSpan(2));
        long start = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(flock.AsSpan(8));
        long length = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(flock.AsSpan(16));
        if (whence != 0 || start < 0 || length < 0)
        {
            return null; // relative to the file position or end: the absolute range is not known here
        }
        return ((ulong)start, length == 0 ? null : (ulong)(start + length - 1));
    }

    private static string LockId(LockLine l)
    {
        string file = $"{l.Device}:{l.Inode.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        string range = $"{l.Start.ToString(System.Globalization.CultureInfo.InvariantCulture)}-{l.End?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "EOF"}";
        return l.Class switch
        {
            "FLOCK" => "flock:" + file,
            "OFDLCK" => $"ofd:{file}:{range}",
            _ => $"{l.Class.ToLowerInvariant()}:{file}:{range}",
        };
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
        if (name is not null && SyscallTable.Shape(name) is SyscallShape.FdRead or SyscallShape.FdWrite or SyscallShape.FdOther)
        {
            // An fd is an int in the first register; anything larger is not a descriptor.
            ulong raw = record.Args[0];
            if (raw <= int.MaxValue)
            {
                fd = (int)raw;
                obj = fds.FirstOrDefault(f => f.Fd == fd)?.Target;
            }
        }
        return new SyscallInfo { Number = record.Number, Name = name, Args = record.Args, Fd = fd, Object = obj };
    }
}
