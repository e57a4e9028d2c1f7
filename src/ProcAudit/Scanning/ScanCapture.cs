using System.Collections.Immutable;
using System.Diagnostics;
using ProcAudit.Capture;
using ProcAudit.Capture.Procfs;
using ProcAudit.Capture.Syscalls;

namespace ProcAudit.Scanning;

/// <summary>What a scan read of the machine: the still trees in full, and how many processes it looked at.</summary>
/// <param name="Machine">The trees under every still process whose parent is not still, with the outsiders holding what they wait on; each thread's progress measured from the first look.</param>
/// <param name="Processes">How many processes (not kernel threads) the looks saw.</param>
/// <param name="Own">The scan and its ancestors, which wait for it: never part of a hang.</param>
internal sealed record ScanCaptureResult(Snapshot Machine, int Processes, IReadOnlySet<int> Own);

/// <summary>
/// How a scan reads the machine without paying for a full capture of it: two cheap looks
/// (<see cref="MachineSample"/>) an interval apart pick the processes none of whose threads ran;
/// only the trees under them (and whoever outside holds what they wait on) are then captured, lean
/// (<see cref="CaptureOptions.Lean"/>). A thread counts as moved when it ran at any time from the
/// first look to the end of the full read, so what the full read saw held still all along.
/// </summary>
internal static class ScanCapture
{
    public static ScanCaptureResult Take(AuditOptions options, IPipeProbe probe, RuntimeCache runtimes, CancellationToken cancellationToken)
    {
        ProcfsReader procfs = new(options.ProcRoot);
        Stopwatch clock = Stopwatch.StartNew();
        MachineSample first = MachineSample.Read(procfs, cancellationToken);
        if (options.Interval > TimeSpan.Zero)
        {
            cancellationToken.WaitHandle.WaitOne(options.Interval);
            cancellationToken.ThrowIfCancellationRequested();
        }
        // No interval, no second look: one sample, as an audit with --interval 0 takes.
        MachineSample second = options.Interval > TimeSpan.Zero ? MachineSample.Read(procfs, cancellationToken) : first;
        HashSet<int> own = OwnLine(second);
        HashSet<int> still = second.Processes.Keys.Where(pid => pid != 1 && !own.Contains(pid) && second.StillSince(first, pid)).ToHashSet();
        List<int> tops = still.Select(pid =>
        {
            int top = pid;
            while (second.Processes.TryGetValue(top, out SampledProcess? p) && still.Contains(p.Stat.PPid))
            {
                top = p.Stat.PPid;
            }
            return top;
        }).Distinct().Order().ToList();

        bool live = options.ProcRoot == "/proc";
        ProcessTreeCapture capture = new(procfs, probe, SyscallTable.Current ?? SyscallArch.X64, live,
            new CaptureOptions(options.Deadline, options.ReadTimeout, options.Redact, Lean: true), runtimes);
        Snapshot machine = capture.Capture(1, DateTimeOffset.UtcNow, null, cancellationToken, tops, second.Processes)
            ?? throw new AuditException(AuditError.NotSupported, $"{options.ProcRoot}/1 cannot be read: ProcAudit needs Linux with /proc mounted.");
        // The second look at what was read in full, from the cheap look's counters: a thread that ran at
        // any time since the first look moved (a syscall or CPU time cannot change without a run). Only a
        // thread whose counters cannot be read is read again in full.
        MachineSample last = MachineSample.Read(procfs, machine.Processes.Select(p => p.Pid), cancellationToken);
        HashSet<int> grew = Grew(machine, last);
        machine = ProgressCheck.Apply(machine, procfs, probe, (int)clock.ElapsedMilliseconds,
            (pid, thread) => grew.Contains(pid) ? new ThreadProgress(0, 0, SyscallChanged: true) : Progress(first, last, pid, thread.Tid), parallel: live);
        return new ScanCaptureResult(machine, second.Processes.Values.Count(p => !p.Stat.IsKernelThread), own);
    }

    /// <summary>A thread's progress from the first look to the last; gone counts as moved; null when its counters cannot be read.</summary>
    private static ThreadProgress? Progress(MachineSample first, MachineSample last, int pid, int tid)
    {
        if (!last.Processes.TryGetValue(pid, out SampledProcess? now) || !now.Threads.TryGetValue(tid, out SchedstatRecord? counters))
        {
            return new ThreadProgress(0, 0, SyscallChanged: true);
        }
        return counters is null ? null : new ThreadProgress(0, (long)last.RunsSince(first, pid, tid), SyscallChanged: false);
    }

    /// <summary>
    /// The processes with a thread the last look saw and the full read did not (it read the threads of the look
    /// before): a thread made in between, so the process moved, whatever its other threads' counters say.
    /// </summary>
    internal static HashSet<int> Grew(Snapshot machine, MachineSample last)
    {
        HashSet<int> grew = new();
        foreach (ProcessInfo p in machine.Processes)
        {
            if (p.Threads.IsDefaultOrEmpty || !last.Processes.TryGetValue(p.Pid, out SampledProcess? now))
            {
                continue;
            }
            // Most processes have a thread or two: a walk, not a table for each of 2,000.
            ImmutableArray<ThreadInfo> threads = p.Threads;
            HashSet<int>? read = threads.Length > 8 ? threads.Select(t => t.Tid).ToHashSet() : null;
            if (now.Threads.Keys.Any(tid => read is not null ? !read.Contains(tid) : !threads.Any(t => t.Tid == tid)))
            {
                grew.Add(p.Pid);
            }
        }
        return grew;
    }

    /// <summary>This process and its ancestors: waiting for the scan is not a hang.</summary>
    private static HashSet<int> OwnLine(MachineSample sample)
    {
        HashSet<int> line = new();
        HashSet<int> climbed = new();
        for (int pid = Environment.ProcessId; pid > 0 && climbed.Add(pid) && sample.Processes.TryGetValue(pid, out SampledProcess? p);)
        {
            line.Add(pid);
            pid = p.Stat.PPid;
        }
        return line;
    }
}
