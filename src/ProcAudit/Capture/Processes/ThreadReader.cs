using System.Collections.Immutable;
using ProcAudit.Capture.Procfs;
using ProcAudit.Capture.Syscalls;

namespace ProcAudit.Capture.Processes;

/// <summary>A process's threads: where each sleeps, in which syscall on which descriptor, and for whom a futex waiter waits.</summary>
internal static class ThreadReader
{
    public static ImmutableArray<ThreadInfo> Read(CaptureContext context, int pid, List<FdInfo> fds)
    {
        ProcfsReader procfs = context.Procfs;
        ImmutableArray<ThreadInfo>.Builder threads = ImmutableArray.CreateBuilder<ThreadInfo>();
        IEnumerable<int> tids = context.Look?.GetValueOrDefault(pid)?.Threads.Keys ?? procfs.ListNumbers($"{pid}/task", out _);
        foreach (int tid in tids.OrderBy(t => t == pid ? 0 : 1).ThenBy(t => t))
        {
            ThreadSample? sample = ThreadSampler.Read(procfs, pid, tid, switches: !context.Options.Lean);
            if (sample is null)
            {
                continue; // the thread exited between listing and reading
            }
            SyscallInfo? syscall = DescribeSyscall(context.Arch, sample.Syscall, fds);
            ProcText wchan = context.Options.Lean && !WchanDecides(syscall) ? new ProcText(null, ReadOutcome.Gone) : procfs.ReadText($"{pid}/task/{tid}/wchan");
            ProcText stack = context.Options.Lean ? new ProcText(null, ReadOutcome.Gone) : procfs.ReadText($"{pid}/task/{tid}/stack");
            if (stack.Outcome == ReadOutcome.Denied)
            {
                context.Deny(pid, "kernel stacks");
            }
            if (sample.SyscallDenied)
            {
                context.Deny(pid, "syscalls");
            }
            threads.Add(ThreadWaits.WithArguments(context, pid, new ThreadInfo
            {
                Tid = tid,
                Name = sample.Comm,
                State = sample.State,
                Wchan = wchan.Ok ? WchanFile.Parse(wchan.Text!) : null,
                Syscall = syscall,
                KernelStack = stack.Ok ? StackFile.Parse(stack.Text!) : ImmutableArray<string>.Empty,
                CpuTicks = sample.CpuTicks,
                ContextSwitches = sample.ContextSwitches,
            }));
        }
        if (!context.Live)
        {
            return threads.ToImmutable();
        }
        // Whom a futex waiter waits for needs the process's memory, so only a live audit can tell.
        ImmutableHashSet<int> threadIds = threads.Select(t => t.Tid).ToImmutableHashSet();
        return threads.Select(t => t.Syscall is { Name: "futex" } call ? t with { FutexOwner = FutexOwners.Find(pid, t.Tid, call, threadIds) } : t).ToImmutableArray();
    }

    /// <summary>
    /// Whether a lean capture reads this thread's wchan: the analysis tells by it only that an open waits for a FIFO's
    /// other side (OwnWaits; the end is unexplained either way). Elsewhere it is words in a report, which a scan's
    /// output does not hold: 2,300 reads fewer at 16x.
    /// </summary>
    private static bool WchanDecides(SyscallInfo? syscall) => syscall?.Name is "open" or "openat";

    private static SyscallInfo? DescribeSyscall(SyscallArch arch, SyscallRecord? record, List<FdInfo> fds)
    {
        if (record is null || !record.InSyscall)
        {
            return null;
        }
        string? name = SyscallTable.Name(arch, record.Number);
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
