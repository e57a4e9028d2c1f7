using System.Collections.Immutable;
using ProcAudit.Analysis;

namespace ProcAudit;

/// <summary>What <c>procaudit scan</c> found on the machine: every hung tree, worst first, and what it could not read.</summary>
public sealed record ScanResult
{
    /// <summary>When the machine was read (the second sample), UTC.</summary>
    public required DateTimeOffset CapturedAt { get; init; }

    /// <summary>Milliseconds between the two samples that tell stuck from busy; 0 for one sample.</summary>
    public int IntervalMs { get; init; }

    /// <summary>How many processes (not kernel threads) were read.</summary>
    public int Processes { get; init; }

    /// <summary>Each tree that holds a wait cycle or a stall, deadlocks first, then the longest still.</summary>
    public ImmutableArray<ScanHang> Hangs { get; init => field = value.OrEmpty(); } = ImmutableArray<ScanHang>.Empty;

    /// <summary>
    /// Trees that did not move and hold a wait ProcAudit cannot explain (verdict <c>blocked</c>: a
    /// futex inside one process, an unknown syscall, a process it may not look into), longest still
    /// first: not named hangs, but a person should be able to look at them. A hang only a runtime
    /// view reveals (a Go lock chain, a .NET async deadlock) shows here, since a scan takes none.
    /// </summary>
    public ImmutableArray<ScanHang> Blocked { get; init => field = value.OrEmpty(); } = ImmutableArray<ScanHang>.Empty;

    /// <summary>Processes whose fds or syscalls permission kept from us (another user's, without root): a hang among them cannot be seen.</summary>
    public ImmutableArray<UnreadableProcess> Unreadable { get; init => field = value.OrEmpty(); } = ImmutableArray<UnreadableProcess>.Empty;
}

/// <summary>One hung tree: the process to audit, what <c>procaudit ROOT</c> would say first, and how long it has been still.</summary>
public sealed record ScanHang
{
    /// <summary>The outermost process of the tree that is part of the hang: what a person passes to <c>procaudit PID</c>.</summary>
    public required int Root { get; init; }

    /// <summary>The root's comm.</summary>
    public required string Name { get; init; }

    /// <summary>The root's command line, redacted unless asked otherwise.</summary>
    public ImmutableArray<string> Cmdline { get; init => field = value.OrEmpty(); } = ImmutableArray<string>.Empty;

    /// <summary>The root's real user id.</summary>
    public int? Uid { get; init; }

    /// <summary>Deadlock (a wait cycle) or stalled (a wait that cannot end by itself); blocked in <see cref="ScanResult.Blocked"/>.</summary>
    public required Verdict Verdict { get; init; }

    /// <summary>The pattern of the first cycle, or the kind of the first finding (<c>pipe-order-inversion</c>, <c>leaked-write-end</c>, ...; <c>unexplained-wait</c> when blocked).</summary>
    public required string Pattern { get; init; }

    /// <summary>The first line of the tree's report.</summary>
    public required string Headline { get; init; }

    /// <summary>The processes of the cycles and findings, the root's tree and outside holders alike.</summary>
    public ImmutableArray<int> Pids { get; init => field = value.OrEmpty(); } = ImmutableArray<int>.Empty;

    /// <summary>
    /// How long the hang's threads have not run: the least time since any of its blocked threads
    /// last ran (the scheduler's exec_start); null when the kernel does not say (then they were
    /// still for at least the sample interval).
    /// </summary>
    public double? StillSeconds { get; init; }

    /// <summary>The root's pid in each pid namespace it is in, ours first (NSpid); only when it is in another namespace (a container).</summary>
    public ImmutableArray<int> NsPids { get; init => field = value.OrEmpty(); } = ImmutableArray<int>.Empty;

    /// <summary>The root's cgroup (the unified hierarchy's path): which container or service it belongs to.</summary>
    public string? Cgroup { get; init; }
}

/// <summary>A process the scan could not look into.</summary>
/// <param name="Pid">Its pid.</param>
/// <param name="Name">Its comm.</param>
/// <param name="Uid">Its owner.</param>
public sealed record UnreadableProcess(int Pid, string Name, int? Uid);
