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
    public static ImmutableArray<ProcessInfo> Run(CaptureContext context, RuntimeCache runtimes) =>
        context.Tree.Concat(context.Outsiders).Select(pid => Describe(context, runtimes, pid)).ToImmutableArray();

    private static ProcessInfo Describe(CaptureContext context, RuntimeCache runtimes, int pid)
    {
        StatRecord stat = context.Stats[pid];
        ProcText cmdline = context.Cmdlines[pid];
        ProcText status = context.Procfs.ReadText($"{pid}/status");
        StatusRecord? st = status.Ok ? StatusFile.Parse(status.Text!) : null;
        // Past the deadline the runtime is not looked for: that reads maps.
        bool late = context.TooLateForBlockingReads(pid);
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
            Runtime = stat.IsKernelThread || stat.State == "Z" || late ? null
                : runtimes.GetOrAdd(stat, () => RuntimeDetector.Read(context.Procfs, pid, MemoryBackedFiles.Read(context, pid, "maps", 8 << 20), context.Live).Name),
            InTree = context.TreeSet.Contains(pid),
            KernelThread = stat.IsKernelThread,
            Threads = context.Threads[pid],
            Fds = context.Fds[pid].ToImmutableArray(),
        };
    }
}
