using System.Collections.Immutable;
using System.Globalization;
using ProcAudit.Capture.Procfs;
using ProcAudit.Enrichment;

namespace ProcAudit.Go;

/// <summary>
/// The Go view of a process for the audit: its goroutines, what each waits on, and the channels and locks
/// involved, read from memory without stopping it. It reads twice, <see cref="Settle"/> apart, and marks
/// goroutines found elsewhere the second time as moved, so a busy program's brief waits are not taken as stuck.
/// A channel's ring indices can come back to the same values between two reads of a busy program, so when the
/// process used CPU in between, its channel waits are not judged stuck at all (a note says so).
/// </summary>
public sealed class GoEnricher : IRuntimeEnricher
{
    /// <summary>Creates the enricher.</summary>
    /// <param name="settle">Time between the two reads; zero reads once (nothing is then known to be stuck or moving).</param>
    public GoEnricher(TimeSpan? settle = null)
    {
        Settle = settle ?? TimeSpan.FromMilliseconds(200);
    }

    /// <summary>Time between the two reads.</summary>
    public TimeSpan Settle { get; }

    /// <inheritdoc />
    public string Runtime => "go";

    /// <inheritdoc />
    public RuntimeView Enrich(ProcessInfo process, TimeSpan budget, CancellationToken cancellationToken)
    {
        int[] epoll = process.Fds.Where(f => f.Kind == FdKind.Eventpoll).Select(f => f.Fd).ToArray();
        DateTime start = DateTime.UtcNow;
        long? cpuBefore = CpuTicks(process.Pid);
        GoroutineSnapshot first = GoroutineReader.Read(process.Pid, budget, epoll);
        GoroutineSnapshot? second = null;
        TimeSpan left = budget - (DateTime.UtcNow - start) - Settle;
        if (Settle > TimeSpan.Zero && !first.Goroutines.IsEmpty && left > TimeSpan.Zero && !cancellationToken.WaitHandle.WaitOne(Settle))
        {
            second = GoroutineReader.Read(process.Pid, left, epoll);
        }

        long? cpuAfter = second is null ? null : CpuTicks(process.Pid);
        bool busy = cpuAfter - cpuBefore >= BusyTicks;
        string pid = process.Pid.ToString(CultureInfo.InvariantCulture);
        ImmutableArray<GoroutineInfo> goroutines = first.Goroutines.Select(g => Map(process, pid, g, first, second, busy)).ToImmutableArray();
        ImmutableArray<Note> notes = first.Notes.Select(n => new Note("unreadable", $"goroutines of {process.Pid}: {n}", process.Pid)).ToImmutableArray();
        if (busy && goroutines.Any(g => g.WaitKind is "chan-send" or "chan-recv" or "select"))
        {
            notes = notes.Add(new Note("busy", $"goroutines of {process.Pid}: the process used {cpuAfter - cpuBefore} CPU ticks between the two reads, so its channel waits are taken as moving, not stuck", process.Pid));
        }
        if (goroutines.IsEmpty)
        {
            return new RuntimeView(process, notes);
        }

        ProcessInfo enriched = process with
        {
            Goroutines = goroutines,
            GoChannels = first.Channels.Select(c => new GoChannelInfo
            {
                Id = ChannelId(pid, c.Address),
                ElementType = c.ElementType,
                Queued = c.QueuedCount,
                Capacity = c.Capacity,
                Closed = c.Closed,
                SendWaiters = c.SendWaiters,
                RecvWaiters = c.RecvWaiters,
                References = c.References.Select(Reference).ToImmutableArray(),
            }).ToImmutableArray(),
            GoLocks = first.Locks.Select(l => new GoLockInfo
            {
                Id = LockId(pid, l.Address),
                Type = l.Type,
                Symbol = l.Symbol,
                Locked = l.Locked,
                Readers = l.Readers,
                WriterWaiting = l.WriterWaiting,
                Waiters = l.Waiters,
                PendingUnlocks = l.PendingUnlocks.Select(Reference).ToImmutableArray(),
                References = l.References.Select(Reference).ToImmutableArray(),
            }).ToImmutableArray(),
            RuntimeViews = process.RuntimeViews.Add("goroutines"),
        };
        return new RuntimeView(enriched, notes);
    }

    /// <summary>Two clock ticks (20 ms of CPU in a 200 ms gap): a program that is working, not parked.</summary>
    private const long BusyTicks = 2;

    private static long? CpuTicks(int pid)
    {
        ProcText text = new ProcfsReader().ReadText($"{pid}/stat");
        return text.Text is string t && StatFile.Parse(t) is StatRecord stat ? stat.UTime + stat.STime : null;
    }

    private static GoroutineInfo Map(ProcessInfo process, string pid, Goroutine g, GoroutineSnapshot first, GoroutineSnapshot? second, bool busy)
    {
        GoWait? wait = g.Wait;
        string? waitsOn = wait?.Kind switch
        {
            "chan-send" or "chan-recv" when wait.Channels.Length == 1 => ChannelId(pid, wait.Channels[0]),
            "lock" when wait.Lock is ulong l => LockId(pid, l),
            "io" when wait.Fd is int fd => process.FindFd(fd)?.Target,
            _ => null,
        };
        return new GoroutineInfo
        {
            Id = g.Id,
            State = g.Status,
            WaitReason = g.WaitReason,
            WaitingSince = g.WaitingSinceNanos,
            Frames = g.Frames.Select(f => new StackFrame(f.Function, f.File, f.Line)).ToImmutableArray(),
            WaitsOn = waitsOn,
            WaitKind = wait?.Kind,
            ThreadId = g.ThreadId,
            LockMode = wait?.LockMode,
            Fd = wait?.Fd,
            FdMode = wait?.FdMode,
            SelectCases = wait?.Kind == "select" ? wait.Channels.Select(c => ChannelId(pid, c)).ToImmutableArray() : ImmutableArray<string>.Empty,
            ChannelQueued = g.Channel?.QueuedCount,
            ChannelCapacity = g.Channel?.Capacity,
            Moved = second is not null && (Moved(g, first, second) || (busy && wait?.Kind is "chan-send" or "chan-recv" or "select")),
            Note = g.Note,
        };
    }

    /// <summary>Gone, woken, parked at another point, or its channel's ring moved.</summary>
    private static bool Moved(Goroutine g, GoroutineSnapshot first, GoroutineSnapshot second)
    {
        Goroutine? later = second.Goroutines.FirstOrDefault(x => x.Id == g.Id);
        if (later is null || later.Status != g.Status || later.WaitReason != g.WaitReason || !later.Frames.SequenceEqual(g.Frames))
        {
            return true;
        }

        foreach (ulong address in g.Wait?.Channels ?? ImmutableArray<ulong>.Empty)
        {
            GoChannel? before = first.Channels.FirstOrDefault(c => c.Address == address);
            GoChannel? after = second.Channels.FirstOrDefault(c => c.Address == address);
            if (before is not null && after is not null
                && (before.QueuedCount != after.QueuedCount || before.SendIndex != after.SendIndex || before.RecvIndex != after.RecvIndex))
            {
                return true;
            }
        }

        return false;
    }

    private static GoReferenceInfo Reference(GoReference r) => new(r.Goroutine, r.Function, r.File, r.Line, r.How, r.Detail);

    private static string ChannelId(string pid, ulong address) => $"chan:{pid}:0x{address.ToString("x", CultureInfo.InvariantCulture)}";

    private static string LockId(string pid, ulong address) => $"golock:{pid}:0x{address.ToString("x", CultureInfo.InvariantCulture)}";
}
