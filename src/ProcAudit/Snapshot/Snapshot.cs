using System.Collections.Immutable;

namespace ProcAudit;

/// <summary>
/// Everything the kernel told us about a process tree at one moment: plain, immutable facts with no
/// judgement in them. A snapshot saved as JSON can be analysed again later, on another machine.
/// </summary>
public sealed record Snapshot
{
    /// <summary>When the (last) sample was taken, UTC.</summary>
    public required DateTimeOffset CapturedAt { get; init; }

    /// <summary>The pid the audit was asked about.</summary>
    public required int Root { get; init; }

    /// <summary>The CPU architecture whose syscall numbers the snapshot uses (<c>x64</c>, <c>arm64</c>).</summary>
    public string? Arch { get; init; }

    /// <summary>Milliseconds between the two samples that progress was measured over; 0 for a single sample.</summary>
    public int IntervalMs { get; init; }

    /// <summary>
    /// The child subreaper the tree was captured for (procaudit run), when there was one: its
    /// other children are orphans of the tree that it adopted.
    /// </summary>
    public int? Adopter { get; init; }

    /// <summary>True when the root process was gone by the time the capture finished.</summary>
    public bool RootExited { get; init; }

    /// <summary>The tree under <see cref="Root"/>, then every outside process that holds an end of one of its pipes.</summary>
    public ImmutableArray<ProcessInfo> Processes { get; init => field = value.OrEmpty(); } = ImmutableArray<ProcessInfo>.Empty;

    /// <summary>Every pipe the captured processes hold, with its fill level and all its holders on the machine.</summary>
    public ImmutableArray<PipeInfo> Pipes { get; init => field = value.OrEmpty(); } = ImmutableArray<PipeInfo>.Empty;

    /// <summary>Every socket the captured processes hold, and the peers of those the tree waits on.</summary>
    public ImmutableArray<SocketInfo> Sockets { get; init => field = value.OrEmpty(); } = ImmutableArray<SocketInfo>.Empty;

    /// <summary>File locks that captured processes hold or wait for, with their holders and waiters (/proc/locks order).</summary>
    public ImmutableArray<FileLockInfo> FileLocks { get; init => field = value.OrEmpty(); } = ImmutableArray<FileLockInfo>.Empty;

    /// <summary>Every eventfd counter the captured processes hold, with its count and holders.</summary>
    public ImmutableArray<EventfdInfo> Eventfds { get; init => field = value.OrEmpty(); } = ImmutableArray<EventfdInfo>.Empty;

    /// <summary>What could not be read, and why.</summary>
    public ImmutableArray<Note> Notes { get; init => field = value.OrEmpty(); } = ImmutableArray<Note>.Empty;

    /// <summary>The process with this pid, if captured.</summary>
    public ProcessInfo? FindProcess(int pid) => SnapshotIndex<int, ProcessInfo>.Find(Processes, pid, static p => p.Pid);

    /// <summary>The socket with this id (<c>socket:[N]</c>), if captured.</summary>
    public SocketInfo? FindSocket(string id) => SnapshotIndex<string, SocketInfo>.Find(Sockets, id, static s => s.Id);

    /// <summary>The pipe with this id (<c>pipe:[N]</c>), if captured.</summary>
    public PipeInfo? FindPipe(string id) => SnapshotIndex<string, PipeInfo>.Find(Pipes, id, static p => p.Id);
}
