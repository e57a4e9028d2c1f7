using System.Collections.Immutable;
using ProcAudit.Capture.Procfs;
using ProcAudit.Capture.Processes;

namespace ProcAudit.Capture.Phases;

/// <summary>
/// The last phase: one record per captured process, tree first, with its status, its runtime and
/// what permission kept from us. Last, because the denials of every earlier phase are known by now.
/// </summary>
internal static class ProcessPhase
{
    public static ImmutableArray<ProcessInfo> Run(CaptureContext context, RuntimeCache runtimes)
    {
        List<int> pids = context.Tree.Concat(context.Outsiders).ToList();
        if (!(context.Options.Lean && context.Live && Environment.ProcessorCount > 1))
        {
            return pids.Select(pid => Describe(context, pid, Read(context, runtimes, context.Stats[pid]))).ToImmutableArray();
        }
        // A scan reads each process's status on every core (a read that notes nothing); then the maps of those
        // whose runtime is not known yet, in one batch of bounded reads; then their runtimes.
        StatusRecord?[] statuses = new StatusRecord?[pids.Count];
        Cores.For(0, pids.Count, context.CancellationToken, (i, _) => statuses[i] = ReadStatus(context.Procfs, pids[i]));
        string?[] found = new string?[pids.Count];
        List<int> unknown = new();
        for (int i = 0; i < pids.Count; i++)
        {
            StatRecord stat = context.Stats[pids[i]];
            if (Detectable(context, stat) && !runtimes.TryGet(stat, out found[i]))
            {
                unknown.Add(i);
            }
        }
        ProcText[] maps = MemoryBackedFiles.ReadMany(context, unknown.Select(i => pids[i]).ToList(), "maps", MapsLimit, RuntimeDetector.MapsLines);
        Cores.For(0, unknown.Count, context.CancellationToken, (j, _) =>
        {
            int i = unknown[j];
            found[i] = RuntimeDetector.Read(context.Procfs, pids[i], maps[j], context.Live).Name;
            runtimes.Add(context.Stats[pids[i]], found[i]);
        });
        ImmutableArray<ProcessInfo>.Builder processes = ImmutableArray.CreateBuilder<ProcessInfo>(pids.Count);
        for (int i = 0; i < pids.Count; i++)
        {
            processes.Add(Describe(context, pids[i], new Files(statuses[i], found[i])));
        }
        return processes.MoveToImmutable();
    }

    /// <summary>At most this much of a maps file is read.</summary>
    private const int MapsLimit = 8 << 20;

    private static StatusRecord? ReadStatus(ProcfsReader procfs, int pid)
    {
        ProcText status = procfs.ReadText($"{pid}/status", 64 * 1024, StatusFile.RecordLines);
        return status.Ok ? StatusFile.Parse(status.Text!) : null;
    }

    /// <summary>Whether the runtime is looked for: not for a kernel thread or a zombie, nor past the deadline (that reads maps).</summary>
    private static bool Detectable(CaptureContext context, StatRecord stat) =>
        !stat.IsKernelThread && stat.State != "Z" && !context.TooLateForBlockingReads(stat.Pid);

    /// <summary>What is read of a process here: its status, and its runtime unless the deadline has passed (that reads maps).</summary>
    private readonly record struct Files(StatusRecord? Status, string? Runtime);

    /// <param name="context">Where to read (a scratch context holds no stats).</param>
    /// <param name="runtimes">Runtimes known from earlier captures.</param>
    /// <param name="stat">The process's stat, as the capture read it.</param>
    private static Files Read(CaptureContext context, RuntimeCache runtimes, StatRecord stat)
    {
        int pid = stat.Pid;
        StatusRecord? st = ReadStatus(context.Procfs, pid);
        string? runtime = !Detectable(context, stat) ? null
            : runtimes.GetOrAdd(stat, () => RuntimeDetector.Read(context.Procfs, pid, MemoryBackedFiles.Read(context, pid, "maps", MapsLimit, RuntimeDetector.MapsLines), context.Live).Name);
        return new Files(st, runtime);
    }

    private static ProcessInfo Describe(CaptureContext context, int pid, Files files)
    {
        StatRecord stat = context.Stats[pid];
        ProcText cmdline = context.Cmdlines[pid];
        StatusRecord? st = files.Status;
        if (cmdline.Outcome == ReadOutcome.Denied)
        {
            context.Deny(pid, "command line");
        }
        SortedSet<string>? denied = context.DeniedOf(pid);
        bool restricted = denied is not null && (denied.Contains("fds") || denied.Contains("syscalls"));
        if (restricted)
        {
            // Its executable, maps and memory are closed to us too: no goroutines, no .NET stacks or lock owners.
            denied!.Add("runtime views");
        }
        if (denied is not null)
        {
            string owner = st?.Uid is int uid ? $" (uid {uid})" : "";
            context.Notes.Add(new Note("denied",
                $"could not read the {string.Join(", ", denied)} of {stat.Comm} {pid}{owner}: run as the same user, or as root (CAP_SYS_PTRACE; kernel stacks need root)", pid));
        }
        return new ProcessInfo
        {
            Pid = pid,
            PPid = stat.PPid,
            Uid = st?.Uid,
            Name = stat.Comm,
            Cmdline = !cmdline.Ok ? ImmutableArray<string>.Empty
                : context.Options.Redact ? Redactor.RedactCmdline(CmdlineFile.Parse(cmdline.Text!))
                : CmdlineFile.Parse(cmdline.Text!),
            State = stat.State,
            Restricted = restricted,
            TracerPid = st?.TracerPid is int tracer && tracer > 0 ? tracer : null,
            Runtime = files.Runtime,
            InTree = context.TreeSet.Contains(pid),
            KernelThread = stat.IsKernelThread,
            Threads = context.Threads[pid],
            Fds = context.Fds[pid].ToImmutableArray(),
        };
    }
}
