namespace ProcAudit.Go;

/// <summary>Field offsets of the runtime structs the reader walks, as read from the binary's own type descriptors.</summary>
internal sealed record GoLayout(
    int GSize,
    int GStackHi,
    int GM,
    int GSchedSp,
    int GSchedPc,
    int GSyscallSp,
    int GSyscallPc,
    int GAtomicStatus,
    int GGoid,
    int GWaitSince,
    int GWaitReason,
    int GWaiting,
    int SudogC,
    int SudogWaitLink,
    int HchanQcount,
    int HchanDataqsiz,
    int HchanClosed,
    int HchanElemType,
    int MProcId)
{
    /// <summary>sudog.g, sudog.next and sudog.elem: who is parked, the queue link, and (for semaphores) the sema address.</summary>
    public int SudogG { get; init; }

    /// <summary>sudog.next.</summary>
    public int SudogNext { get; init; }

    /// <summary>sudog.elem.</summary>
    public int SudogElem { get; init; }

    /// <summary>hchan.recvq.first.</summary>
    public int HchanRecvqFirst { get; init; }

    /// <summary>hchan.sendq.first.</summary>
    public int HchanSendqFirst { get; init; }

    /// <summary>hchan.sendx: with recvx, tells a channel that moved from one that did not.</summary>
    public int HchanSendx { get; init; }

    /// <summary>hchan.recvx.</summary>
    public int HchanRecvx { get; init; }

    /// <summary>pollDesc.fd; -1 when the binary carries no pollDesc descriptor (then IO waits are not joined to fds).</summary>
    public int PollFd { get; init; } = -1;

    /// <summary>pollDesc.rg: the goroutine parked reading (or pdReady/pdWait).</summary>
    public int PollRg { get; init; } = -1;

    /// <summary>pollDesc.wg: the goroutine parked writing.</summary>
    public int PollWg { get; init; } = -1;

    /// <summary>sync.Mutex.sema (4 in every release since 1.0; read from the descriptor when there is one).</summary>
    public int MutexSema { get; init; } = 4;

    /// <summary>sync.RWMutex.writerSem.</summary>
    public int RWMutexWriterSem { get; init; } = 8;

    /// <summary>sync.RWMutex.readerSem.</summary>
    public int RWMutexReaderSem { get; init; } = 12;

    /// <summary>sync.RWMutex.readerCount.</summary>
    public int RWMutexReaderCount { get; init; } = 16;

    /// <summary>sync.RWMutex.readerWait.</summary>
    public int RWMutexReaderWait { get; init; } = 20;

    /// <summary>The size of the hchan prefix the reader needs.</summary>
    public int HchanReadSize => new[] { HchanQcount, HchanDataqsiz, HchanClosed, HchanElemType, HchanSendx, HchanRecvx, HchanRecvqFirst, HchanSendqFirst }.Max() + 8;

    /// <summary>Reads every offset from <paramref name="types"/>; null with the missing fields named in <paramref name="error"/>.</summary>
    public static GoLayout? TryRead(GoTypes types, out string? error)
    {
        List<string> missing = new List<string>();
        int Get(string structName, string path)
        {
            ulong? offset = types.FieldOffset(structName, path);
            if (offset is null || offset.Value > 1 << 16)
            {
                missing.Add($"{structName}.{path}");
                return -1;
            }

            return (int)offset.Value;
        }

        ulong? g = types.FindStruct("runtime.g");
        ulong? gSize = g is null ? null : types.Size(g.Value);
        GoLayout layout = new GoLayout(
            gSize is > 0 and < 1 << 16 ? (int)gSize.Value : -1,
            Get("runtime.g", "stack.hi"),
            Get("runtime.g", "m"),
            Get("runtime.g", "sched.sp"),
            Get("runtime.g", "sched.pc"),
            Get("runtime.g", "syscallsp"),
            Get("runtime.g", "syscallpc"),
            Get("runtime.g", "atomicstatus"),
            Get("runtime.g", "goid"),
            Get("runtime.g", "waitsince"),
            Get("runtime.g", "waitreason"),
            Get("runtime.g", "waiting"),
            Get("runtime.sudog", "c"),
            Get("runtime.sudog", "waitlink"),
            Get("runtime.hchan", "qcount"),
            Get("runtime.hchan", "dataqsiz"),
            Get("runtime.hchan", "closed"),
            Get("runtime.hchan", "elemtype"),
            Get("runtime.m", "procid"));
        layout = layout with
        {
            SudogG = Get("runtime.sudog", "g"),
            SudogNext = Get("runtime.sudog", "next"),
            SudogElem = Get("runtime.sudog", "elem"),
            HchanRecvqFirst = Get("runtime.hchan", "recvq.first"),
            HchanSendqFirst = Get("runtime.hchan", "sendq.first"),
            HchanSendx = Get("runtime.hchan", "sendx"),
            HchanRecvx = Get("runtime.hchan", "recvx"),
        };

        // Optional: without them IO waits stay unjoined, and the sync layouts keep their long-stable defaults.
        int Optional(string structName, string path, int fallback)
        {
            ulong? offset = types.FieldOffset(structName, path);
            return offset is ulong o && o < 1 << 16 ? (int)o : fallback;
        }

        layout = layout with
        {
            PollFd = Optional("runtime.pollDesc", "fd", -1),
            PollRg = Optional("runtime.pollDesc", "rg", -1),
            PollWg = Optional("runtime.pollDesc", "wg", -1),
            MutexSema = Optional("sync.Mutex", "sema", 4),
            RWMutexWriterSem = Optional("sync.RWMutex", "writerSem", 8),
            RWMutexReaderSem = Optional("sync.RWMutex", "readerSem", 12),
            RWMutexReaderCount = Optional("sync.RWMutex", "readerCount", 16),
            RWMutexReaderWait = Optional("sync.RWMutex", "readerWait", 20),
        };

        if (layout.GSize < 0)
        {
            missing.Insert(0, "runtime.g");
        }

        if (missing.Count > 0)
        {
            error = "runtime type descriptors lack " + string.Join(", ", missing);
            return null;
        }

        error = null;
        return layout;
    }
}
