using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Diagnostics;

namespace ProcAudit.Go;

/// <summary>
/// Lists a Go process's goroutines (status, wait reason, stack, channel) by reading its executable and its memory
/// (/proc/PID/exe, /proc/PID/mem) only: the process is never attached, stopped, signalled or written to.
/// </summary>
public static class GoroutineReader
{
    private const int MaxGoroutines = 100_000;
    private const int MaxFrames = 64;
    private const int MaxInlineDepth = 32;
    private const int MaxStackBytes = 256 * 1024;
    private const long MaxExecutableBytes = 1L << 30;
    private const int MaxCachedBinaries = 8;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Path, long Length, DateTime Modified), GoBinary> s_binaries = new();
    private const ulong MaxBssBytes = 16UL << 20;
    private const uint StatusScanBit = 0x1000;
    private const uint StatusRunning = 2;
    private const uint StatusSyscall = 3;
    private const uint StatusDead = 6;
    private const uint StatusCopyStack = 8;

    private static readonly string[] s_statusNames =
    [
        "idle", "runnable", "running", "syscall", "waiting", "moribund", "dead", "enqueue", "copystack", "preempted",
    ];

    /// <summary>
    /// Reads the goroutines of <paramref name="pid"/> within <paramref name="budget"/>. Expected failures (not a Go
    /// process, gone, denied, unsupported version, torn or unreadable memory) become notes, never exceptions.
    /// </summary>
    /// <param name="pid">The process.</param>
    /// <param name="budget">The time the read may take.</param>
    /// <param name="epollFds">The process's epoll descriptors: their registrations join IO waits to fds.</param>
    public static GoroutineSnapshot Read(int pid, TimeSpan budget, IReadOnlyCollection<int>? epollFds = null)
    {
        Stopwatch clock = Stopwatch.StartNew();
        List<string> notes = new List<string>();
        ImmutableArray<Goroutine>.Builder goroutines = ImmutableArray.CreateBuilder<Goroutine>();
        int dead = 0;
        GoWaitResolution? resolution = null;
        string? version = null;
        int reads = 0;
        long bytes = 0;

        GoBinary? binary = LoadBinary(pid, notes);
        if (binary is not null)
        {
            version = binary.Version;
            if (binary.Elf.Type != 2)
            {
                notes.Add($"{binary.Version}: position-independent executable: not supported yet (the load bias is not applied)");
            }
            else
            {
                ProcessMemory? memory = ProcessMemory.TryOpen(pid, out string? error);
                if (memory is null)
                {
                    notes.Add(error!);
                }
                else
                {
                    using (memory)
                    {
                        resolution = ReadFrom(binary, memory, clock, budget, PollWatches.Read(pid, epollFds), notes, out dead);
                        goroutines.AddRange(resolution?.Goroutines ?? ImmutableArray<Goroutine>.Empty);
                        reads = memory.Reads;
                        bytes = memory.BytesRead;
                    }
                }
            }
        }

        return new GoroutineSnapshot(pid, version, goroutines.ToImmutable(), dead, notes.ToImmutableArray(), clock.Elapsed, reads, bytes)
        {
            Channels = resolution?.Channels ?? ImmutableArray<GoChannel>.Empty,
            Locks = resolution?.Locks ?? ImmutableArray<GoLock>.Empty,
        };
    }

    /// <summary>
    /// The goroutines, their waits, channels and locks, from an opened target memory; null (with a note) when the
    /// goroutine list cannot be found. Whatever the memory holds, this returns: garbage gives notes, not exceptions.
    /// </summary>
    internal static GoWaitResolution? ReadFrom(
        GoBinary binary,
        ITargetMemory memory,
        Stopwatch clock,
        TimeSpan budget,
        IReadOnlyList<(int Fd, ulong Data)> watches,
        List<string> notes,
        out int dead)
    {
        dead = 0;
        ulong? allgs = binary.Allgs ?? FindAllgsInBss(binary, memory, clock, budget);
        if (allgs is null)
        {
            notes.Add("runtime.allgs not found in .bss: goroutines not read");
            return null;
        }

        List<RawGoroutine> raw = new List<RawGoroutine>();
        dead = ReadAll(binary, memory, allgs.Value, clock, budget, raw, notes);
        return GoWaitResolver.Resolve(binary, memory, raw, watches, notes, clock, budget);
    }

    private static GoBinary? LoadBinary(int pid, List<string> notes)
    {
        // /proc/PID/exe opens the executed file itself (execve only runs regular files), even when it was deleted.
        string path = $"/proc/{pid}/exe";
        byte[] file;
        (string, long, DateTime) key;
        try
        {
            using FileStream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length > MaxExecutableBytes)
            {
                notes.Add($"{path}: executable larger than {MaxExecutableBytes} bytes, not read");
                return null;
            }

            // The same executable is read again and again (two reads per audit, every tick of a watch, many
            // processes of one program): keep the parsed binary, keyed by what identifies the file's contents.
            key = (new FileInfo(path).LinkTarget ?? path, stream.Length, File.GetLastWriteTimeUtc(path));
            if (s_binaries.TryGetValue(key, out GoBinary? known))
            {
                return known;
            }

            file = new byte[stream.Length];
            stream.ReadExactly(file);
        }
        catch (UnauthorizedAccessException)
        {
            notes.Add($"{path}: permission denied");
            return null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            notes.Add($"process {pid} is gone (or is a kernel thread)");
            return null;
        }
        catch (IOException ex)
        {
            notes.Add($"{path}: {ex.Message}");
            return null;
        }

        GoBinary? binary = GoBinary.TryLoad(file, notes, out string? error);
        if (binary is null)
        {
            notes.Add(error ?? "not a supported Go binary");
            return null;
        }

        if (s_binaries.Count >= MaxCachedBinaries)
        {
            s_binaries.Clear();
        }

        s_binaries[key] = binary;
        return binary;
    }

    /// <summary>
    /// For stripped binaries: one read of .bss, scanned for a slice header {ptr, len, cap} whose first element is a g
    /// with goid 1 (the main goroutine is the first one allgadd ever records; g0s are not in allgs).
    /// </summary>
    private static ulong? FindAllgsInBss(GoBinary binary, ITargetMemory memory, Stopwatch clock, TimeSpan budget)
    {
        if (binary.Bss == 0 || binary.EBss <= binary.Bss || binary.EBss - binary.Bss > MaxBssBytes)
        {
            return null;
        }

        byte[] bss = new byte[binary.EBss - binary.Bss];
        if (!memory.TryRead(binary.Bss, bss))
        {
            return null;
        }

        GoLayout layout = binary.Layout;
        byte[] g = new byte[layout.GSize];
        for (int at = 0; at + 24 <= bss.Length && clock.Elapsed <= budget; at += 8)
        {
            ulong pointer = BinaryPrimitives.ReadUInt64LittleEndian(bss.AsSpan(at));
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bss.AsSpan(at + 8));
            ulong capacity = BinaryPrimitives.ReadUInt64LittleEndian(bss.AsSpan(at + 16));
            if (pointer == 0 || (pointer & 7) != 0 || length == 0 || length > capacity || capacity > MaxGoroutines * 16UL)
            {
                continue;
            }

            ulong? first = memory.Word(pointer);
            if (first is null or 0 || !memory.TryRead(first.Value, g))
            {
                continue;
            }

            if (U64(g, layout.GGoid) == 1 && (U32(g, layout.GAtomicStatus) & ~StatusScanBit) <= 9)
            {
                return binary.Bss + (ulong)at;
            }
        }

        return null;
    }

    private static int ReadAll(
        GoBinary binary,
        ITargetMemory memory,
        ulong allgs,
        Stopwatch clock,
        TimeSpan budget,
        List<RawGoroutine> goroutines,
        List<string> notes)
    {
        Span<byte> header = stackalloc byte[24];
        if (!memory.TryRead(allgs, header))
        {
            notes.Add($"runtime.allgs at 0x{allgs:x} could not be read (the process may have exited)");
            return 0;
        }

        ulong pointer = BinaryPrimitives.ReadUInt64LittleEndian(header);
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        ulong capacity = BinaryPrimitives.ReadUInt64LittleEndian(header[16..]);
        if (pointer == 0 || length == 0 || length > capacity)
        {
            notes.Add($"runtime.allgs is implausible (len {length}, cap {capacity}): not a Go process this reader understands, or not initialised");
            return 0;
        }

        int count = (int)Math.Min(length, MaxGoroutines);
        if (length > MaxGoroutines)
        {
            notes.Add($"{length} goroutines; only the first {MaxGoroutines} are read");
        }

        byte[] pointers = new byte[count * 8];
        if (!memory.TryRead(pointer, pointers))
        {
            notes.Add("the goroutine list (allgs) could not be read");
            return 0;
        }

        GoLayout layout = binary.Layout;
        byte[] g = new byte[layout.GSize];
        byte[] again = new byte[layout.GSize];
        // The list's first g is the main goroutine (allgadd records it first): words that only look like a
        // slice header fail here, as the stripped binaries' search of .bss does.
        ulong firstG = BinaryPrimitives.ReadUInt64LittleEndian(pointers);
        if (firstG == 0 || !memory.TryRead(firstG, g) || U64(g, layout.GGoid) != 1)
        {
            notes.Add($"runtime.allgs at 0x{allgs:x} does not start with the main goroutine (goid 1): not a goroutine list this reader understands");
            return 0;
        }
        int dead = 0;
        int torn = 0;
        for (int i = 0; i < count; i++)
        {
            if (clock.Elapsed > budget)
            {
                notes.Add($"time budget of {budget.TotalMilliseconds:0} ms spent after {i} of {count} goroutines");
                break;
            }

            ulong address = BinaryPrimitives.ReadUInt64LittleEndian(pointers.AsSpan(i * 8));
            RawGoroutine? goroutine = null;

            // A goroutine can wake up between the reads of its g and of its stack: read g again afterwards and
            // retry once when it moved.
            for (int attempt = 0; attempt < 2 && goroutine is null; attempt++)
            {
                if (!memory.TryRead(address, g))
                {
                    break;
                }

                if ((U32(g, layout.GAtomicStatus) & ~StatusScanBit) == StatusDead)
                {
                    dead++;
                    goroutine = null;
                    break;
                }

                RawGoroutine candidate = Decode(binary, memory, g, address);
                if (memory.TryRead(address, again) && Stable(layout, g, again))
                {
                    goroutine = candidate;
                }
                else if (attempt == 1)
                {
                    torn++;
                    Goroutine partial = candidate.Goroutine with { Note = AppendNote(candidate.Goroutine.Note, "changed while it was read (it woke up); the stack may be partial") };
                    // A torn read proves nothing about what it waits on.
                    goroutine = new RawGoroutine(partial, GoStack.Empty, 0, Torn: true);
                }
            }

            if (goroutine is not null)
            {
                goroutines.Add(goroutine);
            }
        }

        if (torn > 0)
        {
            notes.Add($"{torn} goroutines changed while they were read");
        }

        return dead;
    }

    private static bool Stable(GoLayout layout, byte[] first, byte[] second)
    {
        return U32(first, layout.GAtomicStatus) == U32(second, layout.GAtomicStatus)
            && U64(first, layout.GGoid) == U64(second, layout.GGoid)
            && U64(first, layout.GSchedSp) == U64(second, layout.GSchedSp)
            && U64(first, layout.GSchedPc) == U64(second, layout.GSchedPc)
            && U64(first, layout.GSyscallSp) == U64(second, layout.GSyscallSp);
    }

    private static RawGoroutine Decode(GoBinary binary, ITargetMemory memory, byte[] g, ulong address)
    {
        GoLayout layout = binary.Layout;
        uint status = U32(g, layout.GAtomicStatus) & ~StatusScanBit;
        string statusName = status < s_statusNames.Length ? s_statusNames[status] : $"status {status}";
        long id = (long)U64(g, layout.GGoid);
        long waitSince = (long)U64(g, layout.GWaitSince);
        string? waitReason = status == 4 ? binary.WaitReason(g[layout.GWaitReason]) : null;

        int? threadId = null;
        if (status is StatusRunning or StatusSyscall)
        {
            ulong m = U64(g, layout.GM);
            ulong? procId = m == 0 ? null : memory.Word(m + (ulong)layout.MProcId);
            threadId = procId is > 0 and <= int.MaxValue ? (int)procId.Value : null;
        }

        ImmutableArray<GoFrame> frames = ImmutableArray<GoFrame>.Empty;
        GoStack stack = GoStack.Empty;
        string? note = null;
        if (status == StatusRunning)
        {
            note = threadId is null
                ? "running: no stack without ptrace"
                : $"running on thread {threadId}: no stack without ptrace";
        }
        else if (status == StatusCopyStack)
        {
            note = "its stack is being moved: not read";
        }
        else
        {
            ulong pc = status == StatusSyscall ? U64(g, layout.GSyscallPc) : U64(g, layout.GSchedPc);
            ulong sp = status == StatusSyscall ? U64(g, layout.GSyscallSp) : U64(g, layout.GSchedSp);
            ulong hi = U64(g, layout.GStackHi);
            if (pc != 0 && sp != 0)
            {
                frames = Unwind(binary, memory, pc, sp, hi, out stack, out note);
            }
            else if (status != 0)
            {
                note = "no saved pc/sp";
            }
        }

        // The channel itself is read once per channel by the resolver, however many goroutines wait on it.
        ulong? channel = null;
        if (waitReason is "chan send" or "chan receive")
        {
            ulong sudog = U64(g, layout.GWaiting);
            channel = sudog == 0 ? null : memory.Word(sudog + (ulong)layout.SudogC);
        }

        Goroutine goroutine = new Goroutine(id, statusName, waitReason, waitSince == 0 ? null : waitSince, frames, null, threadId, note) { Address = address };
        return new RawGoroutine(goroutine, stack, U64(g, layout.GWaiting), Torn: false) { Channel = channel is 0 ? null : channel };
    }

    /// <summary>Reads an hchan's counters and element type (its queues are walked by the resolver).</summary>
    internal static GoChannel? ReadChannel(GoBinary binary, ITargetMemory memory, ulong address)
    {
        GoLayout layout = binary.Layout;
        byte[] hchan = new byte[layout.HchanReadSize];
        if (!memory.TryRead(address, hchan))
        {
            return null;
        }

        ulong elementType = U64(hchan, layout.HchanElemType);
        string? elementName = elementType == 0 ? null : binary.Types.TypeName(elementType);
        return new GoChannel(
            address,
            (long)U64(hchan, layout.HchanQcount),
            (long)U64(hchan, layout.HchanDataqsiz),
            U32(hchan, layout.HchanClosed) != 0,
            elementName)
        {
            SendIndex = (long)U64(hchan, layout.HchanSendx),
            RecvIndex = (long)U64(hchan, layout.HchanRecvx),
        };
    }

    /// <summary>
    /// The runtime's gentraceback for amd64, done on a copy of the stack: fp = sp + pcsp(pc) + 8, caller pc = *(fp-8),
    /// caller sp = fp, until a TOPFRAME function (goexit, mstart) or the stack's end.
    /// </summary>
    private static ImmutableArray<GoFrame> Unwind(GoBinary binary, ITargetMemory memory, ulong pc, ulong sp, ulong hi, out GoStack copy, out string? note)
    {
        note = null;
        copy = GoStack.Empty;
        ImmutableArray<GoFrame>.Builder frames = ImmutableArray.CreateBuilder<GoFrame>();
        ImmutableArray<GoStackFrame>.Builder spans = ImmutableArray.CreateBuilder<GoStackFrame>();
        if (hi <= sp || hi - sp > (1UL << 30))
        {
            note = "stack bounds are implausible";
            return frames.ToImmutable();
        }

        int length = (int)Math.Min(hi - sp, MaxStackBytes);
        byte[] stack = new byte[length];
        if (!memory.TryRead(sp, stack))
        {
            note = "the stack could not be read";
            return frames.ToImmutable();
        }

        ulong stackBase = sp;
        PcLineTable pcln = binary.Pcln;
        for (int n = 0; n < MaxFrames; n++)
        {
            // Thousands of goroutines park at the same few pcs: decode each pc once per read.
            if (!binary.PcCache.TryGetValue(pc, out PcFrames? decoded))
            {
                decoded = DecodePc(binary, pc);
                binary.PcCache[pc] = decoded;
            }

            if (decoded?.Func is not GoFunc func)
            {
                note = $"pc 0x{pc:x} is in no Go function; the stack stops there";
                break;
            }

            frames.AddRange(decoded.Frames);
            int? spDelta = decoded.SpDelta;
            if (spDelta is int delta && delta >= 0)
            {
                spans.Add(new GoStackFrame(func, pc, sp, sp + (ulong)delta + 8, frames.Count - 1));
            }

            if ((func.Flag & PcLineTable.FlagTopFrame) != 0)
            {
                break;
            }

            if (spDelta is null || spDelta < 0)
            {
                note = $"no frame size for {pcln.FuncName(func)}; the stack stops there";
                break;
            }

            ulong fp = sp + (ulong)spDelta.Value + 8;
            if (fp > hi)
            {
                break;
            }

            long slot = (long)(fp - 8 - stackBase);
            if (slot < 0 || slot + 8 > stack.Length)
            {
                note = $"stack deeper than {MaxStackBytes} bytes: cut";
                break;
            }

            pc = BinaryPrimitives.ReadUInt64LittleEndian(stack.AsSpan((int)slot));
            sp = fp;
            if (n == MaxFrames - 1)
            {
                note = $"more than {MaxFrames} frames: cut";
            }
        }

        copy = new GoStack(stackBase, stack, spans.ToImmutable());
        return frames.ToImmutable();
    }

    /// <summary>The frames one pc stands for (inlined ones first, then its function's own) and the frame size there.</summary>
    private static PcFrames? DecodePc(GoBinary binary, ulong pc)
    {
        PcLineTable pcln = binary.Pcln;
        if (pcln.FindFunc(pc) is not GoFunc func)
        {
            return null;
        }

        // A return address points after the call: look up the call itself.
        ImmutableArray<GoFrame>.Builder frames = ImmutableArray.CreateBuilder<GoFrame>();
        ulong tracePc = pc > func.Entry ? pc - 1 : pc;
        AddInlined(binary, func, ref tracePc, frames);
        (string file, int line) = pcln.FileLine(func, tracePc);
        frames.Add(new GoFrame(pcln.FuncName(func), file, line, Inlined: false));
        return new PcFrames(func, frames.ToImmutable(), pcln.SpDelta(func, pc));
    }

    /// <summary>Adds the frames inlined at <paramref name="tracePc"/> (innermost first) and moves it to the outer call site.</summary>
    private static void AddInlined(GoBinary binary, GoFunc func, ref ulong tracePc, ImmutableArray<GoFrame>.Builder frames)
    {
        PcLineTable pcln = binary.Pcln;
        ulong? tree = pcln.Funcdata(func, PcLineTable.FuncdataInlTree);
        if (tree is null)
        {
            return;
        }

        int recordSize = pcln.InlinedCallSize;
        int index = pcln.Pcdata(func, PcLineTable.PcdataInlTreeIndex, tracePc);
        for (int depth = 0; index >= 0 && depth < MaxInlineDepth; depth++)
        {
            ReadOnlySpan<byte> record = binary.Elf.At(tree.Value + ((ulong)index * (ulong)recordSize), recordSize);
            if (record.Length < recordSize)
            {
                return;
            }

            int nameOffset = BinaryPrimitives.ReadInt32LittleEndian(record[(pcln.Is120 ? 4 : 12)..]);
            int parentPc = BinaryPrimitives.ReadInt32LittleEndian(record[(pcln.Is120 ? 8 : 16)..]);
            (string file, int line) = pcln.FileLine(func, tracePc);
            frames.Add(new GoFrame(pcln.NameAt(nameOffset), file, line, Inlined: true));
            tracePc = func.Entry + (ulong)parentPc;
            index = pcln.Pcdata(func, PcLineTable.PcdataInlTreeIndex, tracePc);
        }
    }

    private static string AppendNote(string? note, string addition)
    {
        return note is null ? addition : note + "; " + addition;
    }

    private static uint U32(byte[] bytes, int offset)
    {
        return BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
    }

    private static ulong U64(byte[] bytes, int offset)
    {
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(offset));
    }
}
