using System.Collections.Immutable;
using ProcAudit.Capture.Procfs;
using ProcAudit.Capture.Processes;
using ProcAudit.Capture.Syscalls;

namespace ProcAudit.Capture;

/// <summary>
/// What the phases of one capture share: where they read, the deadline they all answer to, the
/// notes and denials the snapshot reports, and what has been read of each process so far. One per
/// capture, so that nothing read for one snapshot leaks into the next.
/// </summary>
internal sealed class CaptureContext
{
    private readonly DateTime _deadline;
    // Made when first used: a scan makes a scratch context for each of 2,000 processes, most of which use none of these.
    private HashSet<string>? _deadlineSkips;
    private List<Note>? _notes;
    private Dictionary<(int Pid, int Fd), ImmutableArray<LockLine>>? _fdLocks;
    private Dictionary<(int Pid, int Fd), EventfdCounter>? _eventfds;
    private HashSet<int>? _stuck;

    /// <summary>Per process, what permission kept from us ("fds", "syscalls", "kernel stacks", ...).</summary>
    private Dictionary<int, SortedSet<string>>? _denied;

    public CaptureContext(ProcfsReader procfs, CaptureOptions options, SyscallArch arch, bool live, int root, CancellationToken cancellationToken)
        : this(procfs, options, arch, live, root, cancellationToken, DateTime.UtcNow + options.Deadline)
    {
    }

    private CaptureContext(ProcfsReader procfs, CaptureOptions options, SyscallArch arch, bool live, int root, CancellationToken cancellationToken, DateTime deadline)
    {
        _deadline = deadline;
        Procfs = procfs;
        Options = options;
        Arch = arch;
        Live = live;
        Root = root;
        CancellationToken = cancellationToken;
    }

    public ProcfsReader Procfs { get; }

    public CaptureOptions Options { get; }

    public SyscallArch Arch { get; }

    /// <summary>False on a recorded tree: there is no process memory or netlink to ask, only the recorded files.</summary>
    public bool Live { get; }

    public int Root { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>
    /// A scan's look at the machine, taken just before this capture, or null. A scan looks again after the
    /// capture and counts every thread that ran in between as moved, so what did not move is as the look
    /// saw it: its threads are the look's (a thread is made or ended only by a thread that runs), and an
    /// exec or a reused pid meanwhile shows as a move, not as a record to check again.
    /// </summary>
    public IReadOnlyDictionary<int, SampledProcess>? Look { get; init; }

    /// <summary>
    /// /proc/locks as a lean live capture read it when it began, or null (read by <see cref="Phases.LockPhase"/>
    /// at the end). A scan reads it first to know whether any file is locked at all (<see cref="NoFileLocks"/>),
    /// and once: a lock taken or dropped after its look is taken or dropped by a thread that ran.
    /// </summary>
    public ProcText? Locks { get; init; }

    /// <summary>
    /// /proc/locks was empty as the capture began: no file fd's fdinfo can hold a lock line, and a scan does not
    /// read the fdinfo of every open file for them (one per process at 16x).
    /// </summary>
    public bool NoFileLocks => Locks is { Ok: true, Text: "" };

    public List<Note> Notes => _notes ??= new();

    /// <summary>The tree's pids, root first; a deadline can cut it short.</summary>
    public List<int> Tree => field ??= new();

    public HashSet<int> TreeSet => field ??= new();

    /// <summary>Processes outside the tree that hold what it waits on, in pid order.</summary>
    public List<int> Outsiders => field ??= new();

    public Dictionary<int, StatRecord> Stats => field ??= new();

    public Dictionary<int, List<FdInfo>> Fds => field ??= new();

    public Dictionary<int, ImmutableArray<ThreadInfo>> Threads => field ??= new();

    public Dictionary<int, ProcText> Cmdlines => field ??= new();

    /// <summary>The fdinfo "lock:" lines of captured descriptors: how an OFD lock (pid -1 in /proc/locks) finds its holder.</summary>
    public Dictionary<(int Pid, int Fd), ImmutableArray<LockLine>> FdLocks => _fdLocks ??= new();

    /// <summary>The eventfd counters of captured descriptors (Linux 6.0 and later number them), read with the fdinfo.</summary>
    public Dictionary<(int Pid, int Fd), EventfdCounter> Eventfds => _eventfds ??= new();

    /// <summary>Processes whose memory-backed files timed out once: the rest of them are not waited for again.</summary>
    public HashSet<int> Stuck => _stuck ??= new();

    /// <summary>Without a note: for the holder scan's threads, which only stop.</summary>
    public bool DeadlinePassed => DateTime.UtcNow >= _deadline;

    /// <summary>True once the audit's deadline has passed; the first time, a note says what was skipped.</summary>
    public bool PastDeadline(int skipped, string what)
    {
        if (!DeadlinePassed)
        {
            return false;
        }
        if ((_deadlineSkips ??= new()).Add(what))
        {
            string count = skipped > 0 ? $"{skipped} " : "";
            Notes.Add(new Note("timeout", $"the audit reached its deadline ({Options.Deadline.TotalSeconds:0.#} s): skipped {count}{what}"));
        }
        return true;
    }

    /// <summary>
    /// Past the deadline no more reads that could block (command lines, maps): only what stat
    /// already told is kept. The root is always read: a report must at least say what it was asked about.
    /// </summary>
    public bool TooLateForBlockingReads(int pid) => pid != Root && PastDeadline(0, "command lines and runtimes");

    public void Deny(int pid, string what)
    {
        _denied ??= new();
        if (!_denied.TryGetValue(pid, out SortedSet<string>? set))
        {
            _denied[pid] = set = new SortedSet<string>(StringComparer.Ordinal);
        }
        set.Add(what);
    }

    /// <summary>What permission kept from us of this process so far; null when nothing.</summary>
    public SortedSet<string>? DeniedOf(int pid) => _denied?.GetValueOrDefault(pid);

    /// <summary>
    /// A context of its own for reading one process on another thread, with this one's reader, options and
    /// deadline: its notes, denials and fd facts are taken back with <see cref="Merge"/>, in the tree's order,
    /// so a capture read in parallel says what a capture read in turn would.
    /// </summary>
    /// <remarks>It starts with the processes known to be stuck, so none is waited for twice; nothing else read so far is in it.</remarks>
    public CaptureContext Scratch()
    {
        CaptureContext scratch = new(Procfs, Options, Arch, Live, Root, CancellationToken, _deadline) { Look = Look, Locks = Locks };
        if (_stuck is { Count: > 0 })
        {
            scratch.Stuck.UnionWith(_stuck);
        }
        return scratch;
    }

    /// <summary>Takes back what <paramref name="scratch"/> learned (see <see cref="Scratch"/>); a deadline note already given is not given again.</summary>
    public void Merge(CaptureContext scratch)
    {
        foreach (Note note in scratch._notes ?? Enumerable.Empty<Note>())
        {
            if (note.Pid is null && note.Kind == "timeout" && Notes.Contains(note))
            {
                continue;
            }
            Notes.Add(note);
        }
        if (scratch._deadlineSkips is not null)
        {
            (_deadlineSkips ??= new()).UnionWith(scratch._deadlineSkips);
        }
        foreach ((int pid, SortedSet<string> what) in scratch._denied ?? Enumerable.Empty<KeyValuePair<int, SortedSet<string>>>())
        {
            foreach (string w in what)
            {
                Deny(pid, w);
            }
        }
        foreach ((var key, ImmutableArray<LockLine> locks) in scratch._fdLocks ?? Enumerable.Empty<KeyValuePair<(int, int), ImmutableArray<LockLine>>>())
        {
            FdLocks[key] = locks;
        }
        foreach ((var key, EventfdCounter counter) in scratch._eventfds ?? Enumerable.Empty<KeyValuePair<(int, int), EventfdCounter>>())
        {
            Eventfds[key] = counter;
        }
        if (scratch._stuck is not null)
        {
            Stuck.UnionWith(scratch._stuck);
        }
    }

    public void Keep(ProcessReading reading)
    {
        int pid = reading.Stat.Pid;
        Stats[pid] = reading.Stat;
        Fds[pid] = reading.Fds;
        Threads[pid] = reading.Threads;
        Cmdlines[pid] = reading.Cmdline;
    }
}
