using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Text;
using ProcAudit.Go;

namespace ProcAudit.Python;

/// <summary>
/// Walks _PyRuntime's interpreters and each one's thread states, and each thread's frames. Whatever the memory
/// holds, this returns: a list that is cut, loops or points nowhere gives a note, never an exception.
/// </summary>
internal static class ThreadWalker
{
    private const int MaxInterpreters = 256;
    private const int MaxThreads = 100_000;

    // pid_max is at most 2^22 on Linux: a larger "TID" is not one.
    private const ulong MaxTid = 1 << 22;

    /// <summary>
    /// Every thread of every interpreter of <paramref name="target"/>, as far as <paramref name="budget"/> allows;
    /// threads sleeping in futex (<paramref name="futexWaits"/>: TID to address) are told apart as waiting for the
    /// GIL or for a threading lock.
    /// </summary>
    public static ImmutableArray<PythonThread> ReadFrom(
        PythonTarget target,
        ITargetMemory memory,
        IReadOnlyDictionary<int, ulong> futexWaits,
        Stopwatch clock,
        TimeSpan budget,
        CancellationToken cancellationToken,
        List<string> notes)
    {
        PythonLayout layout = target.Layout;
        ImmutableArray<PythonThread>.Builder threads = ImmutableArray.CreateBuilder<PythonThread>();
        List<List<FrameSite>> sites = new List<List<FrameSite>>();
        ulong? head = memory.Word(target.Runtime + (ulong)layout.RuntimeInterpretersHead);
        if (head is null)
        {
            notes.Add($"_PyRuntime at 0x{target.Runtime:x} could not be read (the process may have exited)");
            return threads.ToImmutable();
        }

        if (head == 0)
        {
            notes.Add("the runtime has no interpreter (not initialised yet, or finalised)");
            return threads.ToImmutable();
        }

        ObjectReader objects = new ObjectReader(memory, layout, target.Types);
        FrameWalker frames = new FrameWalker(memory, layout, target.Types, objects);
        GilState? sharedGil = layout.RuntimeGil >= 0 ? GilState.Read(memory, layout, target.Runtime + (ulong)layout.RuntimeGil) : null;
        HashSet<ulong> interpreters = new HashSet<ulong>();
        for (ulong interp = head.Value; interp != 0;)
        {
            if (!interpreters.Add(interp) || interpreters.Count > MaxInterpreters)
            {
                notes.Add($"the interpreter list loops or runs past {MaxInterpreters} interpreters: cut at 0x{interp:x}");
                break;
            }

            // 3.12 on: each interpreter points at the GIL it uses (its own, or the main one's).
            GilState? gil = sharedGil;
            if (layout.InterpCevalGil >= 0 && memory.Word(interp + (ulong)layout.InterpCevalGil) is ulong gilAddress)
            {
                gil = GilState.Read(memory, layout, gilAddress);
            }

            if (!ReadThreads(target, memory, interp, gil, frames, futexWaits, threads, sites, clock, budget, cancellationToken, notes))
            {
                break;
            }

            ulong? next = memory.Word(interp + (ulong)layout.InterpNext);
            if (next is null)
            {
                notes.Add($"interpreter at 0x{interp:x} could not be read: later interpreters not listed");
                break;
            }

            interp = next.Value;
        }

        if (target.TidNote is not null)
        {
            notes.Add(target.TidNote);
        }

        return LockWaits.Annotate(threads.ToImmutable(), sites, futexWaits, new LockReader(memory, layout, objects));
    }

    /// <summary>The micro release from Py_GetVersion()'s buffer (3.8 to 3.10), when it agrees with the binary's minor.</summary>
    public static PythonVersion Refine(PythonTarget target, ITargetMemory memory)
    {
        Span<byte> text = stackalloc byte[16];
        if (target.VersionText is not ulong address || !memory.TryRead(address, text))
        {
            return target.Version;
        }

        PythonVersion? read = PythonVersion.FromText(Encoding.ASCII.GetString(text));
        return read is PythonVersion version && version.SameMinor(target.Version) ? version : target.Version;
    }

    /// <summary>False when the budget ran out or the read was cancelled: the walk stops there.</summary>
    private static bool ReadThreads(
        PythonTarget target,
        ITargetMemory memory,
        ulong interp,
        GilState? gil,
        FrameWalker frames,
        IReadOnlyDictionary<int, ulong> futexWaits,
        ImmutableArray<PythonThread>.Builder threads,
        List<List<FrameSite>> sites,
        Stopwatch clock,
        TimeSpan budget,
        CancellationToken cancellationToken,
        List<string> notes)
    {
        PythonLayout layout = target.Layout;
        byte[] raw = new byte[layout.TstateReadSize];
        HashSet<ulong> seen = new HashSet<ulong>();
        ulong? tstate = memory.Word(interp + (ulong)layout.InterpThreadsHead);
        while (tstate is not null and not 0)
        {
            if (clock.Elapsed > budget || cancellationToken.IsCancellationRequested)
            {
                string why = cancellationToken.IsCancellationRequested ? "cancelled" : $"time budget of {budget.TotalMilliseconds:0} ms spent";
                notes.Add($"{why} after {threads.Count} threads: the rest are not read");
                return false;
            }

            ulong address = tstate.Value;
            if (!seen.Add(address) || threads.Count >= MaxThreads)
            {
                notes.Add($"the thread list loops or runs past {MaxThreads} threads: cut at 0x{address:x}");
                return true;
            }

            // The first check that this is a thread state at all: it names its interpreter.
            if (!memory.TryRead(address, raw) || U64(raw, layout.TstateInterp) != interp)
            {
                notes.Add($"thread state at 0x{address:x} is unreadable or not of interpreter 0x{interp:x} (a thread may be exiting): later threads not listed");
                return true;
            }

            ulong pthread = U64(raw, layout.TstateThreadId);
            List<FrameSite> kept = new List<FrameSite>();
            ImmutableArray<PythonFrame> stack = frames.Walk(raw, kept, out string? note);
            int? tid = Tid(target, memory, raw, pthread);
            bool gilWaiter = tid is int t && futexWaits.TryGetValue(t, out ulong futex) && gil?.IsWaiter(futex) == true;
            threads.Add(new PythonThread(tid, pthread, gil?.HeldBy(address), stack, note) { WaitsForGil = gilWaiter });
            sites.Add(kept);
            tstate = U64(raw, layout.TstateNext);
        }

        if (tstate is null)
        {
            notes.Add($"interpreter at 0x{interp:x}: its thread list could not be read");
        }

        return true;
    }

    private static int? Tid(PythonTarget target, ITargetMemory memory, byte[] tstate, ulong pthread)
    {
        ulong tid;
        if (target.Layout.TstateNativeThreadId >= 0)
        {
            tid = U64(tstate, target.Layout.TstateNativeThreadId);
        }
        else
        {
            // Before 3.11: pthread_t is the address of glibc's struct pthread, which holds the TID.
            Span<byte> bytes = stackalloc byte[4];
            if (target.TidOffset is not int offset || pthread == 0 || !memory.TryRead(pthread + (ulong)offset, bytes))
            {
                return null;
            }

            tid = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        }

        return tid is > 0 and < MaxTid ? (int)tid : null;
    }

    private static ulong U64(byte[] data, int at) => BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(at));
}
