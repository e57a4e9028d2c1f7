using System.Collections.Immutable;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Capture;

/// <summary>One process as the cheap look saw it: its stat, and how much each of its threads had run (null where schedstat could not be read).</summary>
internal sealed record SampledProcess(StatRecord Stat, ImmutableDictionary<int, SchedstatRecord?> Threads);

/// <summary>
/// The cheap look at a whole machine that a scan takes twice before it reads anything else: each
/// process's stat and each thread's schedstat, two small files, where a full capture reads every
/// fd's link and fdinfo, every thread's syscall, wchan and stack, and every process's maps. Only the
/// processes none of whose threads ran between two such looks are worth the full read.
/// </summary>
internal sealed class MachineSample
{
    private MachineSample(ImmutableDictionary<int, SampledProcess> processes) => Processes = processes;

    /// <summary>Every process and kernel thread seen, by pid.</summary>
    public ImmutableDictionary<int, SampledProcess> Processes { get; }

    /// <summary>Every process of the machine.</summary>
    public static MachineSample Read(ProcfsReader procfs, CancellationToken cancellationToken) => Read(procfs, procfs.ListNumbers("", out _), cancellationToken);

    /// <summary>Only <paramref name="pids"/>: the second look at what a scan read in full.</summary>
    /// <remarks>Read on every core: two small files per thread of the machine, where the kernel's work is most of the cost.</remarks>
    public static MachineSample Read(ProcfsReader procfs, IEnumerable<int> pids, CancellationToken cancellationToken)
    {
        int[] order = pids.ToArray();
        SampledProcess?[] read = new SampledProcess?[order.Length];
        Cores.For(0, order.Length, cancellationToken, (i, _) => read[i] = ReadOne(procfs, order[i]));
        ImmutableDictionary<int, SampledProcess>.Builder processes = ImmutableDictionary.CreateBuilder<int, SampledProcess>();
        for (int i = 0; i < order.Length; i++)
        {
            if (read[i] is SampledProcess p)
            {
                processes[order[i]] = p;
            }
        }
        return new MachineSample(processes.ToImmutable());
    }

    /// <summary>One process's stat and its threads' counters; null when it is gone since listed.</summary>
    private static SampledProcess? ReadOne(ProcfsReader procfs, int pid)
    {
        ProcText stat = procfs.ReadText($"{pid}/stat");
        if (!stat.Ok || StatFile.Parse(stat.Text!) is not StatRecord record)
        {
            return null;
        }
        ImmutableDictionary<int, SchedstatRecord?>.Builder threads = ImmutableDictionary.CreateBuilder<int, SchedstatRecord?>();
        if (!record.IsKernelThread)
        {
            // One thread is the leader itself: no task/ listing for the most common process. A thread made
            // after the stat was read is made by one that ran, which the next look sees.
            IEnumerable<int> tids = record.NumThreads == 1 ? [pid] : procfs.ListNumbers($"{pid}/task", out _);
            foreach (int tid in tids)
            {
                ProcText schedstat = procfs.ReadText($"{pid}/task/{tid}/schedstat", 256);
                threads[tid] = schedstat.Ok ? SchedstatFile.Parse(schedstat.Text!) : null;
            }
        }
        return new SampledProcess(record, threads.ToImmutable());
    }

    /// <summary>
    /// True when <paramref name="pid"/> may be hung: the same process in both looks (not a reused
    /// pid), alive, not a kernel thread, not running, and none of its threads ran in between. A
    /// thread whose counters could not be read counts as still: only the full read can tell.
    /// </summary>
    public bool StillSince(MachineSample earlier, int pid)
    {
        if (!Processes.TryGetValue(pid, out SampledProcess? now) || !earlier.Processes.TryGetValue(pid, out SampledProcess? before)
            || now.Stat.StartTime != before.Stat.StartTime || now.Stat.IsKernelThread || now.Stat.State is "Z" or "R" || now.Threads.IsEmpty)
        {
            return false;
        }
        return now.Threads.All(t => before.Threads.TryGetValue(t.Key, out SchedstatRecord? b) && (t.Value is null || b is null || t.Value == b));
    }

    /// <summary>
    /// How many times the thread was put on a CPU since <paramref name="earlier"/>: all of its runs
    /// when it is newer than that look; 0 when it is gone or its counters could not be read.
    /// </summary>
    public ulong RunsSince(MachineSample earlier, int pid, int tid)
    {
        if (!Processes.TryGetValue(pid, out SampledProcess? now) || !now.Threads.TryGetValue(tid, out SchedstatRecord? after) || after is null)
        {
            return 0;
        }
        if (!earlier.Processes.TryGetValue(pid, out SampledProcess? before) || before.Stat.StartTime != now.Stat.StartTime
            || !before.Threads.TryGetValue(tid, out SchedstatRecord? b))
        {
            return Math.Max(after.Runs, 1);
        }
        return b is null ? 0 : after.Runs - Math.Min(after.Runs, b.Runs) + (after.RunNanoseconds != b.RunNanoseconds && after.Runs == b.Runs ? 1UL : 0);
    }
}
