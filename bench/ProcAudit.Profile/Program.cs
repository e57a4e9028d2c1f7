using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using ProcAudit;
using ProcAudit.Capture;
using ProcAudit.Benchmarks;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Profile;

/// <summary>
/// Times the phases of one single-sample capture on the live machine, with the library's own
/// readers and parsers, then leaner ways of doing the same reads. Each step: one warm-up run, then
/// the median of RUNS runs, and what it allocated (managed bytes, one run).
///   ProcAudit.Profile PID [RUNS]          prints a Markdown table
///   ProcAudit.Profile PID --loop COUNT    only captures, COUNT times (to run under perf)
/// </summary>
internal static unsafe partial class Program
{
    private static readonly ProcfsReader Procfs = new();

    private static int Main(string[] args)
    {
        if (args.Length < 1 || !int.TryParse(args[0], out int root) || !Directory.Exists($"/proc/{root}"))
        {
            Console.Error.WriteLine("usage: ProcAudit.Profile PID [RUNS]   (PID: a live process, e.g. from bench/make-state.sh)");
            return 1;
        }
        if (args.Length > 2 && args[1] == "--loop")
        {
            // For a sampling profiler: `DOTNET_PerfMapEnabled=1 perf record -g dotnet ProcAudit.Profile.dll PID --loop 20`.
            for (int i = int.Parse(args[2], CultureInfo.InvariantCulture); i > 0; i--)
            {
                new Auditor(new AuditOptions { Interval = TimeSpan.Zero }).Capture(root);
            }
            return 0;
        }
        int runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 7;

        // What there is to read.
        IReadOnlyList<int> pids = Procfs.ListNumbers("", out _);
        Dictionary<int, StatRecord> stats = ReadAllStats(pids);
        HashSet<int> tree = TreeUnder(root, stats);
        int[] outside = pids.Where(p => !tree.Contains(p) && stats.TryGetValue(p, out StatRecord? s) && !s.IsKernelThread).ToArray();
        long fds = outside.Sum(p => (long)Procfs.ListNumbers($"{p}/fd", out _).Count);
        HashSet<ulong> awaited = new() { 1 }; // an inode nobody holds: the scan reads everything, as when no outsider holds the tree's pipes
        Snapshot snap = new Auditor(new AuditOptions { Interval = TimeSpan.Zero }).Capture(root);
        int treeFds = snap.Processes.Where(p => p.InTree).Sum(p => p.Fds.Length);
        int treeThreads = snap.Processes.Where(p => p.InTree).Sum(p => p.Threads.Length);

        List<(string Step, string What, double Ms, long Bytes)> rows = new();
        void Step(string name, string what, Func<long> body) => StepWith(name, what, () => 0, _ => body());

        // setup runs before every timed run and is not timed.
        void StepWith<T>(string name, string what, Func<T> setup, Func<T, long> body)
        {
            try
            {
                body(setup());
            }
            catch (Exception e)
            {
                rows.Add((name, $"{what} (not measured: {e.GetType().Name}: {e.Message.Split('\n')[0]})", double.NaN, 0));
                return;
            }
            double[] times = new double[runs];
            long bytes = 0;
            for (int i = 0; i < runs; i++)
            {
                T state = setup();
                long before = GC.GetAllocatedBytesForCurrentThread();
                Stopwatch sw = Stopwatch.StartNew();
                body(state);
                times[i] = sw.Elapsed.TotalMilliseconds;
                bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            }
            Array.Sort(times);
            rows.Add((name, what, times[runs / 2], bytes));
        }

        Step("capture, as shipped", "new Auditor(Interval 0).Capture(pid): everything below, plus the tree itself",
            () => new Auditor(new AuditOptions { Interval = TimeSpan.Zero }).Capture(root).Processes.Length);
        Step("  list /proc", "ProcfsReader.ListNumbers(\"\")", () => Procfs.ListNumbers("", out _).Count);
        Step("  stat of every process", $"{pids.Count} x ReadText(PID/stat) + StatFile.Parse (only without children files; else the tree's own)", () => ReadAllStats(pids).Count);
        Step("    of which reading", $"{pids.Count} x ReadText(PID/stat), no parse", () => pids.Sum(p => Procfs.ReadText($"{p}/stat").Text?.Length ?? 0));
        Step("  holder scan, as shipped", $"FdScan.Links + HoldsAny on {outside.Length} processes outside the tree, {fds} fds, over all cores",
            () =>
            {
                HashSet<ulong> none = new();
                int holders = 0;
                Parallel.ForEach(outside, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, p =>
                {
                    if (FdScan.HoldsAny(FdScan.Links(Procfs, p), awaited, none))
                    {
                        Interlocked.Increment(ref holders);
                    }
                });
                return holders;
            });
        Step("    of which listing fd dirs", $"{outside.Length} x ListNumbers(PID/fd): Directory enumeration (lstat + stat per fd)",
            () => outside.Sum(p => Procfs.ListNumbers($"{p}/fd", out _).Count));
        Dictionary<int, int[]> fdNumbers = outside.ToDictionary(p => p, p => Procfs.ListNumbers($"{p}/fd", out _).ToArray());
        Step("    of which readlinks", $"{fds} x ProcfsReader.ReadLink(PID/fd/N), fd numbers known",
            () => fdNumbers.Sum(kv => kv.Value.Count(fd => Procfs.ReadLink($"{kv.Key}/fd/{fd}").Ok)));
        Step("  socket tables", "ReadSockets: TCP from the inet_diag dump (net/tcp{,6} only if it fails), /proc/ROOT/net/{udp,udp6,unix}, the unix sock_diag dump (read when the tree holds a socket)",
            () => new CaptureParts(Procfs).Call("ReadSockets", root) is null ? 0 : 1);
        Step("    /proc/ROOT/net text, for comparison", "ReadText of the 5 tables, no parse (tcp and tcp6 are read only when the dump fails)",
            () => new[] { "tcp", "tcp6", "udp", "udp6", "unix" }.Sum(f => Procfs.ReadText($"{root}/net/{f}", 32 << 20).Text?.Length ?? 0));
        Step("    of which the unix sock_diag dump", "UnixSocketDiag.Dump() (netlink)", () =>
        {
            MethodInfo dump = typeof(CaptureParts).Assembly.GetType("ProcAudit.Capture.Sockets.UnixSocketDiag")!.GetMethod("Dump")!;
            return dump.Invoke(null, dump.GetParameters().Select(p => p.DefaultValue).ToArray()) is null ? 0 : 1;
        });
        int[] treePids = tree.Order().ToArray();
        Step("  the tree: fds + fdinfo", $"ReadFds(pid, withInfo: true) for the {tree.Count} tree processes ({treeFds} fds)",
            () => { CaptureParts c = new(Procfs); return treePids.Sum(p => ((List<FdInfo>)c.Call("ReadFds", p, true)!).Count); });
        Step("  the tree: threads", $"ReadThreads: stat, status, syscall, wchan, stack of {treeThreads} threads",
            () => { CaptureParts c = new(Procfs); return treePids.Sum(p => ((ImmutableArray<ThreadInfo>)c.Call("ReadThreads", p, (List<FdInfo>)c.Call("ReadFds", p, false)!)!).Length); });
        StepWith("  the tree: pipe levels", "MeasurePipes: a pidfd_getfd probe (FIONREAD, F_GETPIPE_SZ) per pipe the tree holds",
            () => { CaptureParts c = new(Procfs); return (c, c.ReadTree(treePids)); },
            s => ((ImmutableArray<PipeInfo>)s.c.Call("MeasurePipes", s.Item2.Fds, tree, new HashSet<ulong>())!).Length);
        StepWith("  the tree: processes", "ReadProcess (status, runtime detection: exe link, maps, ELF headers) and the cmdline read per tree process",
            () => { CaptureParts c = new(Procfs); return (c, c.ReadTree(treePids)); },
            s => treePids.Count(p => s.c.Call("ReadProcess", stats[p], true, s.Item2.Fds[p], s.Item2.Threads[p], Procfs.ReadTextBounded($"{p}/cmdline", TimeSpan.FromSeconds(1))) is not null));
        StepWith("  the tree: file locks", "ReadFileLocks: /proc/locks",
            () => { CaptureParts c = new(Procfs); return (c, c.ReadTree(treePids)); },
            s => ((ImmutableArray<FileLockInfo>)s.c.Call("ReadFileLocks", s.Item2.Fds, s.Item2.Threads)!).Length);

        // What the parts above do not account for: joining, describing sockets, GC.
        double parts = rows.Where(r => r.Step.StartsWith("  ", StringComparison.Ordinal) && !r.Step.StartsWith("    ", StringComparison.Ordinal) && !double.IsNaN(r.Ms)).Sum(r => r.Ms);
        rows.Add(("  the rest", "capture minus the parts above (joining, describing sockets, GC, noise)", Math.Max(0, rows[0].Ms - parts), 0));

        // The floors the holder scan is measured against (bench/ProcAudit.Benchmarks/ReadlinkFloor.cs, linked).
        Step("floor: every fd, getdents64 + readlink", "same syscalls as C fdfloor, every process on the machine",
            () => ReadlinkFloor.Scan());
        Step("floor: every fd, getdents64 + readlinkat", "readlinkat(fd dir, \"N\"): no path walk through /proc/PID per fd",
            () => ReadlinkFloor.ScanAt(1));
        Step("floor: every fd, readlinkat, 2 threads", "the same split over the 2 cores",
            () => ReadlinkFloor.ScanAt(2));
        Step("leaner: stat of every process, raw read", "open/read/close by P/Invoke, ppid and flags parsed from bytes (no strings)",
            () => RawStats(pids));
        Step("leaner: the tree via task/*/children", $"children files from the root down instead of every process's stat ({tree.Count} processes)",
            () => TreeByChildren(root).Count);

        Console.WriteLine($"Machine: {pids.Count} processes, {fds} fds outside the tree; audited tree: {tree.Count} processes, {treeFds} fds. Median of {runs} runs after 1 warm-up, one thread unless said.");
        Console.WriteLine();
        Console.WriteLine("| step | what | median ms | allocated |");
        Console.WriteLine("| --- | --- | ---: | ---: |");
        foreach ((string step, string what, double ms, long bytes) in rows)
        {
            string name = step.StartsWith("  ", StringComparison.Ordinal) ? "&nbsp;&nbsp;" + step.Trim() : step.Trim();
            if (step.StartsWith("    ", StringComparison.Ordinal))
            {
                name = "&nbsp;&nbsp;&nbsp;&nbsp;" + step.Trim();
            }
            Console.WriteLine($"| {name} | {what} | {(double.IsNaN(ms) ? "n/a" : ms.ToString("F1", CultureInfo.InvariantCulture))} | {(bytes == 0 ? "" : FormatBytes(bytes))} |");
        }
        return 0;
    }

    private static string FormatBytes(long bytes) => bytes switch
    {
        >= 1 << 20 => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture) + " MB",
        >= 1 << 10 => (bytes / 1024.0).ToString("F0", CultureInfo.InvariantCulture) + " KB",
        _ => bytes + " B",
    };

    private static Dictionary<int, StatRecord> ReadAllStats(IReadOnlyList<int> pids)
    {
        Dictionary<int, StatRecord> stats = new();
        foreach (int pid in pids)
        {
            ProcText text = Procfs.ReadText($"{pid}/stat");
            if (text.Ok && StatFile.Parse(text.Text!) is StatRecord stat)
            {
                stats[pid] = stat;
            }
        }
        return stats;
    }

    private static HashSet<int> TreeUnder(int root, Dictionary<int, StatRecord> stats)
    {
        HashSet<int> tree = new() { root };
        bool grew = true;
        while (grew)
        {
            grew = false;
            foreach (StatRecord s in stats.Values)
            {
                if (!tree.Contains(s.Pid) && tree.Contains(s.PPid))
                {
                    grew |= tree.Add(s.Pid);
                }
            }
        }
        return tree;
    }

    // ---- leaner forms -------------------------------------------------------------------------

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    private static partial int Open(byte* path, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);




    private const int O_RDONLY_CLOEXEC = 0x80000;

    private static int PathOf(byte* at, int pid, ReadOnlySpan<byte> tail)
    {
        int n = 0;
        foreach (byte b in "/proc/"u8)
        {
            at[n++] = b;
        }
        n += WriteNumber(at + n, pid);
        foreach (byte b in tail)
        {
            at[n++] = b;
        }
        at[n] = 0;
        return n;
    }

    private static int WriteNumber(byte* at, long value)
    {
        Span<byte> tmp = stackalloc byte[20];
        int len = 0;
        do
        {
            tmp[len++] = (byte)('0' + (value % 10));
            value /= 10;
        }
        while (value != 0);
        for (int i = 0; i < len; i++)
        {
            at[i] = tmp[len - 1 - i];
        }
        return len;
    }



    /// <summary>stat of every process by raw read; ppid and flags parsed from the bytes after the last ')'.</summary>
    private static long RawStats(IReadOnlyList<int> pids)
    {
        byte* path = stackalloc byte[64];
        byte* buffer = stackalloc byte[4096];
        long sum = 0;
        foreach (int pid in pids)
        {
            PathOf(path, pid, "/stat"u8);
            int fd = Open(path, O_RDONLY_CLOEXEC);
            if (fd < 0)
            {
                continue;
            }
            nint n = Read(fd, buffer, 4096);
            Close(fd);
            if (n <= 0)
            {
                continue;
            }
            ReadOnlySpan<byte> text = new(buffer, (int)n);
            int close = text.LastIndexOf((byte)')');
            if (close < 0)
            {
                continue;
            }
            // fields after comm: state ppid pgrp session tty tpgid flags ...
            ReadOnlySpan<byte> rest = text[(close + 2)..];
            int field = 0;
            long ppid = 0;
            foreach (Range r in rest.Split((byte)' '))
            {
                if (field == 1)
                {
                    ppid = long.Parse(rest[r], NumberStyles.None, CultureInfo.InvariantCulture);
                }
                if (++field > 6)
                {
                    break;
                }
            }
            sum += ppid;
        }
        return sum;
    }

    /// <summary>The tree read top-down through /proc/PID/task/TID/children, every thread's list.</summary>
    private static List<int> TreeByChildren(int root)
    {
        List<int> order = new() { root };
        for (int i = 0; i < order.Count; i++)
        {
            foreach (int tid in Procfs.ListNumbers($"{order[i]}/task", out _))
            {
                ProcText children = Procfs.ReadText($"{order[i]}/task/{tid}/children");
                if (!children.Ok)
                {
                    continue;
                }
                foreach (string c in children.Text!.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    order.Add(int.Parse(c, CultureInfo.InvariantCulture));
                }
            }
        }
        return order;
    }
}
