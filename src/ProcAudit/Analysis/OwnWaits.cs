using System.Collections.Immutable;
using System.Globalization;
using ProcAudit.Kinds;

namespace ProcAudit.Analysis;

/// <summary>
/// Where one thread's own wait leads when no wait-for edge leaves it: a timer, the world outside
/// the tree, another thread of its own process, other processes that hold the object it waits on,
/// or somewhere ProcAudit cannot follow.
/// </summary>
/// <param name="Kind">The end, or <see cref="WaitEndKind.Internal"/> when the thread waits on its own process, or <see cref="WaitEndKind.Moved"/> for a lead to <paramref name="Others"/>.</param>
/// <param name="Summary">The wait in words, without its subject: "sleeps 600 s (593 s left)".</param>
/// <param name="Others">Processes whose progress would end the wait (the other holders of the object), when there are such and no edge names them.</param>
internal sealed record OwnWait(WaitEndKind Kind, string Summary, ImmutableArray<int> Others)
{
    public static OwnWait End(WaitEndKind kind, string summary) => new(kind, summary, ImmutableArray<int>.Empty);
}

/// <summary>Classifies a thread's own wait from its syscall, its arguments and the objects behind its descriptors.</summary>
internal sealed class OwnWaits
{
    private readonly KindScope _scope;

    public OwnWaits(KindScope scope)
    {
        _scope = scope;
    }

    /// <summary>The thread's wait, read from its syscall alone (its edges are followed elsewhere).</summary>
    public OwnWait Of(ProcessInfo process, ThreadInfo thread)
    {
        if (thread.State is "T" or "t")
        {
            return OwnWait.End(WaitEndKind.Stopped, thread.State == "t" ? "is stopped by its tracer" : "is stopped");
        }
        if (thread.Syscall is not { } call)
        {
            if (process.Restricted)
            {
                return OwnWait.End(WaitEndKind.Unexplained, "could not be looked into (another user's process)");
            }
            string where = thread.Wchan is string w ? $" (wchan {w})" : "";
            return thread.State == "D"
                ? OwnWait.End(WaitEndKind.Unexplained, $"is in uninterruptible sleep (state D) outside any system call ProcAudit can read{where}")
                : OwnWait.End(WaitEndKind.Unexplained, $"sleeps (state {thread.State}) but is in no system call ProcAudit can read{where}");
        }
        string name = call.Name ?? $"syscall {call.Number.ToString(CultureInfo.InvariantCulture)}";
        string wchan = thread.Wchan is string wc ? $", wchan {wc}" : "";
        SyscallShape shape = call.Shape;
        switch (shape)
        {
            case SyscallShape.Sleep:
                if (name is "nanosleep" or "clock_nanosleep")
                {
                    return OwnWait.End(WaitEndKind.Timer, $"sleeps{Timed(call.Timer, " for")}");
                }
                return call.Timer is not null
                    ? OwnWait.End(WaitEndKind.Timer, $"waits for a signal in {name}{Timed(call.Timer, " for at most")}")
                    : OwnWait.End(WaitEndKind.Outside, $"waits for a signal ({name})");
            case SyscallShape.Futex:
                // A time limit wakes it by itself (a runtime's idle pool threads, whose limits say
                // nothing of the program, are left out before this as housekeeping).
                if (call.Timer is not null)
                {
                    return OwnWait.End(WaitEndKind.Timer, $"waits on a futex{Timed(call.Timer, " for at most")}");
                }
                if (process.Threads.Length == 1)
                {
                    return OwnWait.End(WaitEndKind.Unexplained, $"is blocked in {name} (futex at 0x{(call.Args.Length > 0 ? call.Args[0] : 0):x}{wchan}), and it is the only thread of its process: only another process sharing that memory, or a signal, could wake it");
                }
                return OwnWait.End(WaitEndKind.Internal, "waits on a futex (another thread of its process must wake it)");
            case SyscallShape.Poll:
                return Polling(process, thread, call, name);
            case SyscallShape.FdRead:
            case SyscallShape.FdWrite:
                return OnFd(process, call, name, shape == SyscallShape.FdWrite, wchan);
            case SyscallShape.FdOther when name is "accept" or "accept4" && call.Object is string listener:
                return OwnWait.End(WaitEndKind.Outside, $"waits for a connection on {_scope.Where(listener)}");
            case SyscallShape.FdOther when name == "connect" && call.Target is null:
                return OwnWait.End(WaitEndKind.Outside, $"waits in connect({call.Fd}) for a remote host to answer");
            case SyscallShape.FdOther:
                return OwnWait.End(WaitEndKind.Unexplained, $"is blocked in {name}({call.Fd}{(call.Object is string o ? " " + o : "")}{wchan}), a wait ProcAudit cannot follow to its end");
            case SyscallShape.Wait:
                return OwnWait.End(WaitEndKind.Unexplained, $"is blocked in {name}, but no child it could be waiting for was found{wchan}");
        }
        if (name is "openat" or "open" && thread.Wchan is "wait_for_partner" or "fifo_open")
        {
            return OwnWait.End(WaitEndKind.Unexplained, $"is blocked in {name} opening a FIFO (wchan {thread.Wchan}): no process has it open from the other side");
        }
        return OwnWait.End(WaitEndKind.Unexplained, $"is blocked in {name}{(call.Fd is int fd ? $"({fd.ToString(CultureInfo.InvariantCulture)})" : "")}{wchan.Replace(", ", " (", StringComparison.Ordinal)}{(wchan.Length > 0 ? ")" : "")}, a wait ProcAudit does not know");
    }

    /// <summary>epoll, poll and select: the watched descriptors say what could wake it; a time limit wakes it anyway.</summary>
    private OwnWait Polling(ProcessInfo process, ThreadInfo thread, SyscallInfo call, string name)
    {
        ImmutableArray<int> fds = call.WaitsOnFds;
        if (name.StartsWith("epoll", StringComparison.Ordinal) && call.Args.Length > 0 && call.Args[0] <= int.MaxValue
            && process.FindFd((int)call.Args[0]) is { Kind: FdKind.Eventpoll } epoll)
        {
            fds = epoll.Watches;
        }
        List<OwnWait> leads = fds.Select(fd => process.FindFd(fd)).OfType<FdInfo>().Select(f => Watched(process, f)).ToList();
        if (leads.FirstOrDefault(l => l.Kind == WaitEndKind.Outside) is OwnWait outside)
        {
            return outside with { Summary = $"{outside.Summary} (in {name})" };
        }
        if (call.Timer is not null)
        {
            return OwnWait.End(WaitEndKind.Timer, $"waits in {name}{Timed(call.Timer, " for at most")}");
        }
        if (leads.FirstOrDefault(l => l.Kind == WaitEndKind.Timer) is OwnWait timer)
        {
            return timer;
        }
        ImmutableArray<int> others = leads.SelectMany(l => l.Others).Distinct().ToImmutableArray();
        if (!others.IsEmpty)
        {
            return new OwnWait(WaitEndKind.Moved, $"waits in {name} on descriptors that other processes hold", others);
        }
        return OwnWait.End(WaitEndKind.Internal, fds.IsEmpty
            ? $"waits in {name} with no time limit"
            : $"waits in {name} on its own descriptors ({string.Join(", ", fds.Take(6))}{(fds.Length > 6 ? ", ..." : "")})");
    }

    /// <summary>What a descriptor in a poll set can be woken by.</summary>
    private OwnWait Watched(ProcessInfo process, FdInfo fd) => KindRegistry.ForFd(fd.Kind).Watched(_scope, process, fd);

    /// <summary>A read or write on a descriptor that some other runtime structure (a goroutine's poller, an async flow) says it waits on.</summary>
    public OwnWait Descriptor(ProcessInfo process, FdInfo fd, bool write) => KindRegistry.ForFd(fd.Kind).OnDescriptor(_scope, process, fd, write ? "write" : "read", write, wchan: "");

    private OwnWait OnFd(ProcessInfo process, SyscallInfo call, string name, bool write, string wchan)
    {
        FdInfo? fd = call.Fd is int n ? process.FindFd(n) : null;
        if (call.Object is null || fd is null)
        {
            return OwnWait.End(WaitEndKind.Unexplained, $"is blocked in {name}({call.Fd}) on a descriptor that could not be read{wchan}");
        }
        return KindRegistry.ForFd(fd.Kind).OnDescriptor(_scope, process, fd, name, write, wchan);
    }

    /// <summary>" 600 s (593 s left)", " an unknown time", or "" when untimed.</summary>
    public static string Timed(WaitTimer? timer, string lead)
    {
        if (timer is null)
        {
            return "";
        }
        if (timer.Seconds is not double s)
        {
            return $"{lead} a time it was given (not readable here)";
        }
        string left = timer.LeftSeconds is double l && !timer.Absolute ? $" ({Seconds(l)} left)" : "";
        return timer.Absolute ? $"{lead} {Seconds(s)} more" : $"{lead} {Seconds(s)}{left}";
    }

    /// <summary>"600 s", "1.5 s", "20 ms".</summary>
    public static string Seconds(double s) =>
        s >= 10 ? $"{Math.Round(s).ToString(CultureInfo.InvariantCulture)} s"
        : s >= 1 ? $"{Math.Round(s, 1).ToString(CultureInfo.InvariantCulture)} s"
        : $"{Math.Round(s * 1000).ToString(CultureInfo.InvariantCulture)} ms";
}
