using System.Buffers.Binary;
using System.Collections.Immutable;

namespace ProcAudit.Go;

/// <summary>The goroutines with what each waits on, and the channels and locks they wait on.</summary>
internal sealed record GoWaitResolution(ImmutableArray<Goroutine> Goroutines, ImmutableArray<GoChannel> Channels, ImmutableArray<GoLock> Locks);

/// <summary>
/// Joins parked goroutines to what they wait on, from the runtime's own structures: a channel operation's sudog
/// (g.waiting) and the channel's send and receive queues; a semaphore's sudog, found among the live words of
/// runtime.semacquire1, whose elem is the sema inside a sync.Mutex or RWMutex; the netpoller's pollDesc, whose rg/wg
/// names the parked goroutine and whose epoll registration names the fd. Who holds a lock or drains a channel is not
/// recorded by the runtime: the facts that point at it (a pending deferred unlock, a live pointer) are collected
/// here and weighed by the analysis, which calls what it concludes from them inferred.
/// </summary>
internal static class GoWaitResolver
{
    private const int MaxQueue = 10_000;
    private const int MaxSelectCases = 64;
    private const int TagBits = 19;

    public static GoWaitResolution Resolve(GoBinary binary, ITargetMemory memory, List<RawGoroutine> raws, IReadOnlyList<(int Fd, ulong Data)> watches, List<string> notes, System.Diagnostics.Stopwatch clock, TimeSpan budget)
    {
        Dictionary<ulong, long> ids = new Dictionary<ulong, long>();
        foreach (RawGoroutine raw in raws)
        {
            ids.TryAdd(raw.Goroutine.Address, raw.Goroutine.Id);
        }

        Dictionary<ulong, (int Fd, string Mode)> io = PollOwners(binary, memory, watches, ids);
        List<Goroutine> goroutines = new List<Goroutine>(raws.Count);
        foreach (RawGoroutine raw in raws)
        {
            GoWait? wait = raw.Torn || raw.Goroutine.Status != "waiting" ? null : WaitOf(binary, memory, raw, io);
            goroutines.Add(raw.Goroutine with { Wait = wait });
        }

        bool ioUnjoined = goroutines.Any(g => g.WaitReason == "IO wait" && g.Wait is null);
        if (ioUnjoined && binary.Layout.PollFd >= 0 && watches.Count > 0)
        {
            notes.Add("some goroutines in IO wait could not be joined to an fd (no epoll registration names them)");
        }

        // Only the channels and locks someone waits on matter: references to anything else are not kept.
        HashSet<ulong> wanted = goroutines
            .SelectMany(g => (g.Wait?.Channels ?? ImmutableArray<ulong>.Empty).Concat(g.Wait is { Kind: "lock", Lock: ulong l } ? [l] : []))
            .ToHashSet();
        HashSet<ulong> locksWanted = goroutines.Where(g => g.Wait is { Kind: "lock", Lock: ulong }).Select(g => g.Wait!.Lock!.Value).ToHashSet();
        Dictionary<ulong, List<GoReference>> live = wanted.Count == 0 ? new Dictionary<ulong, List<GoReference>>() : LiveReferences(binary, raws, wanted);
        Dictionary<ulong, List<GoReference>> defers = locksWanted.Count == 0
            ? new Dictionary<ulong, List<GoReference>>()
            : PendingDefers(binary, memory, raws, locksWanted, clock, budget, notes);
        ImmutableArray<GoChannel> channels = goroutines
            .SelectMany(g => g.Wait?.Channels ?? ImmutableArray<ulong>.Empty)
            .Distinct()
            .TakeWhile(_ => clock.Elapsed <= budget || Once(notes, "time budget spent while walking channel queues: some channels are missing"))
            .Select(address => Channel(binary, memory, address, ids, live))
            .OfType<GoChannel>()
            .ToImmutableArray();
        ImmutableArray<GoLock> locks = goroutines
            .Where(g => g.Wait is { Kind: "lock", Lock: ulong })
            .GroupBy(g => g.Wait!.Lock!.Value)
            .Select(group => Lock(binary, memory, group.Key, group.First().Wait!, group.Select(g => g.Id).ToImmutableArray(), live, defers))
            .OfType<GoLock>()
            .ToImmutableArray();
        // A goroutine parked on one channel carries that channel's fill, read once above.
        Dictionary<ulong, GoChannel> byAddress = channels.ToDictionary(c => c.Address);
        ImmutableArray<Goroutine> result = goroutines
            .Select(g => g.Wait is { Kind: "chan-send" or "chan-recv" } w && byAddress.TryGetValue(w.Channels[0], out GoChannel? c) ? g with { Channel = c } : g)
            .ToImmutableArray();
        return new GoWaitResolution(result, channels, locks);
    }

    /// <summary>Adds the note the first time; always false, to end a TakeWhile.</summary>
    private static bool Once(List<string> notes, string note)
    {
        if (!notes.Contains(note))
        {
            notes.Add(note);
        }

        return false;
    }

    private static GoWait? WaitOf(GoBinary binary, ITargetMemory memory, RawGoroutine raw, Dictionary<ulong, (int Fd, string Mode)> io)
    {
        Goroutine g = raw.Goroutine;
        switch (g.WaitReason)
        {
            case "chan send" when raw.Channel is ulong c:
                return new GoWait("chan-send", ImmutableArray.Create(c));
            case "chan receive" when raw.Channel is ulong c:
                return new GoWait("chan-recv", ImmutableArray.Create(c));
            case "chan send (nil chan)" or "chan receive (nil chan)":
                return new GoWait("nil-chan", ImmutableArray<ulong>.Empty);
            case "select":
                return new GoWait("select", SelectCases(binary, memory, raw.Waiting));
            case "IO wait" when io.TryGetValue(g.Address, out (int Fd, string Mode) owner):
                return new GoWait("io", ImmutableArray<ulong>.Empty, Fd: owner.Fd, FdMode: owner.Mode);
            case "semacquire" or "sync.Mutex.Lock" or "sync.RWMutex.Lock" or "sync.RWMutex.RLock" or "sync.WaitGroup.Wait":
                return SemaWait(binary, memory, raw);
            default:
                return null;
        }
    }

    /// <summary>A select parks one sudog per case, linked through waitlink, each naming its channel.</summary>
    private static ImmutableArray<ulong> SelectCases(GoBinary binary, ITargetMemory memory, ulong sudog)
    {
        GoLayout layout = binary.Layout;
        ImmutableArray<ulong>.Builder channels = ImmutableArray.CreateBuilder<ulong>();
        for (int i = 0; sudog != 0 && i < MaxSelectCases; i++)
        {
            if (memory.Word(sudog + (ulong)layout.SudogC) is ulong c && c != 0 && !channels.Contains(c))
            {
                channels.Add(c);
            }

            sudog = memory.Word(sudog + (ulong)layout.SudogWaitLink) ?? 0;
        }

        return channels.ToImmutable();
    }

    /// <summary>
    /// A semaphore wait does not set g.waiting: its sudog is a live local of runtime.semacquire1 (sudog.g is the
    /// goroutine itself), and sudog.elem is the sema. The sync frames above say which field of which lock that is.
    /// </summary>
    private static GoWait? SemaWait(GoBinary binary, ITargetMemory memory, RawGoroutine raw)
    {
        GoLayout layout = binary.Layout;
        Goroutine g = raw.Goroutine;
        IEnumerable<ulong> candidates = raw.Stack.Frames
            .Where(f => binary.Pcln.FuncName(f.Func) == "runtime.semacquire1")
            .SelectMany(f => GoLiveness.LivePointers(binary, raw.Stack, f));
        ulong? sema = null;
        foreach (ulong pointer in candidates)
        {
            if ((pointer & 7) == 0 && memory.Word(pointer + (ulong)layout.SudogG) == g.Address)
            {
                sema = memory.Word(pointer + (ulong)layout.SudogElem);
                break;
            }
        }

        if (sema is not ulong address || address == 0)
        {
            return null;
        }

        List<string> names = g.Frames.Select(f => f.Function).ToList();
        int first = names.FindIndex(n => n.StartsWith("sync.(*", StringComparison.Ordinal));
        string? innermost = first < 0 ? null : names[first];
        switch (innermost)
        {
            case "sync.(*Mutex).lockSlow" or "sync.(*Mutex).Lock":
                string? outer = names.Skip(first).FirstOrDefault(n => n.StartsWith("sync.(*", StringComparison.Ordinal) && !n.StartsWith("sync.(*Mutex)", StringComparison.Ordinal));
                // RWMutex.Lock first takes its embedded writers' Mutex, w, at offset 0: that is the RWMutex too.
                string type = outer == "sync.(*RWMutex).Lock" ? "sync.RWMutex" : "sync.Mutex";
                return new GoWait("lock", ImmutableArray<ulong>.Empty, address - (ulong)layout.MutexSema, type, "write");
            case "sync.(*RWMutex).Lock":
                return new GoWait("lock", ImmutableArray<ulong>.Empty, address - (ulong)layout.RWMutexWriterSem, "sync.RWMutex", "write");
            case "sync.(*RWMutex).RLock":
                return new GoWait("lock", ImmutableArray<ulong>.Empty, address - (ulong)layout.RWMutexReaderSem, "sync.RWMutex", "read");
            case "sync.(*WaitGroup).Wait":
                return new GoWait("waitgroup", ImmutableArray<ulong>.Empty, address);
            default:
                return new GoWait("semaphore", ImmutableArray<ulong>.Empty, address);
        }
    }

    /// <summary>pollDesc -> fd from the epoll registrations, then rg/wg -> the goroutine parked reading or writing it.</summary>
    private static Dictionary<ulong, (int Fd, string Mode)> PollOwners(GoBinary binary, ITargetMemory memory, IReadOnlyList<(int Fd, ulong Data)> watches, Dictionary<ulong, long> ids)
    {
        GoLayout layout = binary.Layout;
        Dictionary<ulong, (int, string)> owners = new Dictionary<ulong, (int, string)>();
        if (layout.PollFd < 0 || layout.PollRg < 0 || layout.PollWg < 0)
        {
            return owners;
        }

        int size = Math.Max(layout.PollFd, Math.Max(layout.PollRg, layout.PollWg)) + 8;
        byte[] pd = new byte[size];
        foreach ((int fd, ulong data) in watches)
        {
            // Go 1.21 and later tag the pointer (ptr << 16 | fd sequence); before, data is the pointer itself.
            foreach (ulong candidate in new[] { data, (ulong)((long)data >> TagBits << 3) })
            {
                if (candidate == 0 || !memory.TryRead(candidate, pd) || BinaryPrimitives.ReadUInt64LittleEndian(pd.AsSpan(layout.PollFd)) != (ulong)fd)
                {
                    continue;
                }

                ulong rg = BinaryPrimitives.ReadUInt64LittleEndian(pd.AsSpan(layout.PollRg));
                ulong wg = BinaryPrimitives.ReadUInt64LittleEndian(pd.AsSpan(layout.PollWg));
                if (ids.ContainsKey(rg))
                {
                    owners[rg] = (fd, "read");
                }

                if (ids.ContainsKey(wg))
                {
                    owners[wg] = (fd, "write");
                }

                break;
            }
        }

        return owners;
    }

    /// <summary>Every live pointer of every readable stack, by value, with the (innermost non-runtime) frame holding it.</summary>
    private static Dictionary<ulong, List<GoReference>> LiveReferences(GoBinary binary, List<RawGoroutine> raws, HashSet<ulong> wanted)
    {
        Dictionary<ulong, List<GoReference>> references = new Dictionary<ulong, List<GoReference>>();
        foreach (RawGoroutine raw in raws.Where(r => !r.Torn))
        {
            Dictionary<ulong, GoReference> own = new Dictionary<ulong, GoReference>();
            int first = 0;
            foreach (GoStackFrame frame in raw.Stack.Frames)
            {
                GoFrame where = Innermost(raw.Goroutine, first, frame.FrameIndex);
                first = frame.FrameIndex + 1;
                bool runtime = where.Function.StartsWith("runtime.", StringComparison.Ordinal);
                foreach (ulong value in GoLiveness.LivePointers(binary, raw.Stack, frame))
                {
                    if (!wanted.Contains(value))
                    {
                        continue;
                    }

                    if (!own.TryGetValue(value, out GoReference? seen) || (seen.Function.StartsWith("runtime.", StringComparison.Ordinal) && !runtime))
                    {
                        own[value] = new GoReference(raw.Goroutine.Id, where.Function, where.File, where.Line, "live-pointer");
                    }
                }
            }

            foreach ((ulong value, GoReference reference) in own)
            {
                if (!references.TryGetValue(value, out List<GoReference>? list))
                {
                    references[value] = list = new List<GoReference>();
                }

                list.Add(reference);
            }
        }

        return references;
    }

    /// <summary>Every pending deferred call of every readable stack, by each word it captured, with the frame that registered it.</summary>
    private static Dictionary<ulong, List<GoReference>> PendingDefers(GoBinary binary, ITargetMemory memory, List<RawGoroutine> raws, HashSet<ulong> wanted, System.Diagnostics.Stopwatch clock, TimeSpan budget, List<string> notes)
    {
        Dictionary<ulong, List<GoReference>> byCaptured = new Dictionary<ulong, List<GoReference>>();
        foreach (RawGoroutine raw in raws.Where(r => !r.Torn))
        {
            if (clock.Elapsed > budget)
            {
                notes.Add("time budget spent while looking for pending deferred unlocks: lock holders may be missing");
                break;
            }

            int first = 0;
            foreach (GoStackFrame frame in raw.Stack.Frames)
            {
                int inlinedFrom = first;
                first = frame.FrameIndex + 1;
                foreach (GoPendingDefer pending in GoDefers.Pending(binary, memory, raw.Stack, frame))
                {
                    GoFrame where = Innermost(raw.Goroutine, inlinedFrom, frame.FrameIndex);
                    string detail = pending.Calls is null ? pending.Function : $"{pending.Function} ({pending.Calls})";
                    GoReference reference = new GoReference(raw.Goroutine.Id, where.Function, where.File, where.Line, "pending-defer", detail);
                    foreach (ulong word in pending.Captured.Where(wanted.Contains).Distinct())
                    {
                        if (!byCaptured.TryGetValue(word, out List<GoReference>? list))
                        {
                            byCaptured[word] = list = new List<GoReference>();
                        }

                        list.Add(reference);
                    }
                }
            }
        }

        return byCaptured;
    }

    /// <summary>
    /// The frame a physical frame's words belong to, as a person reads the stack: the innermost function inlined
    /// into it that is not the runtime's (Go 1.22 inlines a `go m.writer()` target into main.main.gowrap2).
    /// </summary>
    private static GoFrame Innermost(Goroutine g, int first, int own)
    {
        for (int i = first; i < own; i++)
        {
            if (!g.Frames[i].Function.StartsWith("runtime.", StringComparison.Ordinal))
            {
                return g.Frames[i];
            }
        }

        return g.Frames[own];
    }

    private static GoChannel? Channel(GoBinary binary, ITargetMemory memory, ulong address, Dictionary<ulong, long> ids, Dictionary<ulong, List<GoReference>> live)
    {
        GoChannel? channel = GoroutineReader.ReadChannel(binary, memory, address);
        if (channel is null)
        {
            return null;
        }

        GoLayout layout = binary.Layout;
        ImmutableArray<long> senders = Queue(binary, memory, address + (ulong)layout.HchanSendqFirst, ids);
        ImmutableArray<long> receivers = Queue(binary, memory, address + (ulong)layout.HchanRecvqFirst, ids);
        ImmutableArray<GoReference> references = (live.TryGetValue(address, out List<GoReference>? found) ? found : new List<GoReference>())
            .Where(r => !senders.Contains(r.Goroutine) && !receivers.Contains(r.Goroutine))
            .ToImmutableArray();
        return channel with { SendWaiters = senders, RecvWaiters = receivers, References = references };
    }

    /// <summary>A waitq: sudogs linked through next, each naming its goroutine.</summary>
    private static ImmutableArray<long> Queue(GoBinary binary, ITargetMemory memory, ulong first, Dictionary<ulong, long> ids)
    {
        GoLayout layout = binary.Layout;
        ImmutableArray<long>.Builder queue = ImmutableArray.CreateBuilder<long>();
        ulong sudog = memory.Word(first) ?? 0;
        for (int i = 0; sudog != 0 && i < MaxQueue; i++)
        {
            if (memory.Word(sudog + (ulong)layout.SudogG) is ulong g && ids.TryGetValue(g, out long id) && !queue.Contains(id))
            {
                queue.Add(id);
            }

            sudog = memory.Word(sudog + (ulong)layout.SudogNext) ?? 0;
        }

        return queue.ToImmutable();
    }

    private static GoLock? Lock(GoBinary binary, ITargetMemory memory, ulong address, GoWait wait, ImmutableArray<long> waiters, Dictionary<ulong, List<GoReference>> live, Dictionary<ulong, List<GoReference>> defers)
    {
        GoLayout layout = binary.Layout;
        bool rw = wait.LockType == "sync.RWMutex";
        byte[] state = new byte[rw ? Math.Max(layout.RWMutexReaderCount, layout.RWMutexReaderWait) + 4 : 8];
        if (!memory.TryRead(address, state))
        {
            return null;
        }

        int word = BinaryPrimitives.ReadInt32LittleEndian(state);
        bool locked = (word & 1) != 0;
        int readers = 0;
        bool writerWaiting = false;
        if (rw)
        {
            int readerCount = BinaryPrimitives.ReadInt32LittleEndian(state.AsSpan(layout.RWMutexReaderCount));
            int readerWait = BinaryPrimitives.ReadInt32LittleEndian(state.AsSpan(layout.RWMutexReaderWait));
            // A writer subtracts 2^30 from readerCount and waits for readerWait readers to leave.
            writerWaiting = readerCount < 0 && readerWait > 0;
            readers = readerCount >= 0 ? readerCount : readerWait;
            locked = locked || readerCount != 0;
        }

        ImmutableArray<GoReference> unlocks = (defers.TryGetValue(address, out List<GoReference>? pending) ? pending : new List<GoReference>()).ToImmutableArray();
        ImmutableArray<GoReference> references = (live.TryGetValue(address, out List<GoReference>? found) ? found : new List<GoReference>())
            .Where(r => !waiters.Contains(r.Goroutine))
            .ToImmutableArray();
        return new GoLock(address, wait.LockType ?? "sync.Mutex", locked, readers, writerWaiting, waiters, unlocks, references)
        {
            Symbol = binary.Elf.SymbolAt(address),
        };
    }
}
