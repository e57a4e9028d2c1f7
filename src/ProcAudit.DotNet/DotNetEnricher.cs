using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using ProcAudit.Enrichment;

namespace ProcAudit.DotNet;

/// <summary>
/// The .NET view of a process for the audit: managed stacks per OS thread (ClrMD's, which name
/// generic types exactly, else the EventPipe sample's, taken only when ClrMD could not give them),
/// Monitor/Lock owners with their waiters, and the pending async flows. All are taken without
/// suspending the process; each may fail alone.
/// </summary>
public sealed class DotNetEnricher : IRuntimeEnricher
{
    /// <summary>
    /// The least time between the starts of the two reads of the heap, unless the audit asks for less: a flow that moves
    /// within it (a busy pipeline, a timer loop) is not called stuck.
    /// </summary>
    public static readonly TimeSpan DefaultFlowGap = TimeSpan.FromMilliseconds(300);

    /// <inheritdoc />
    public string Runtime => "dotnet";

    /// <inheritdoc />
    public RuntimeView Enrich(ProcessInfo process, TimeSpan budget, CancellationToken cancellationToken) =>
        Finish(ReadAgain(Read(process.Pid, budget, cancellationToken), budget, cancellationToken), process.Pid, ManagedView.RunningThreads(process), budget, cancellationToken).ApplyTo(process);

    /// <summary>Both reads of the heap, on another thread, while the audit waits for its second look.</summary>
    public IStartedView Begin(ProcessInfo firstLook, TimeSpan budget, CancellationToken cancellationToken) =>
        new StartedDotNetView(this, Task.Run(() => ReadAgain(Read(firstLook.Pid, budget, cancellationToken), budget, cancellationToken), cancellationToken), budget, cancellationToken);

    /// <summary>
    /// The first read of what needs only the pid: the heap's async flows and the locks with their owners' stacks. A
    /// helper process takes it for every process before any second read, so that their pauses overlap.
    /// </summary>
    /// <param name="pid">The process.</param>
    /// <param name="budget">The most each part may take.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <param name="gap">The least time before the second read of the heap may begin; <see cref="DefaultFlowGap"/> when null.</param>
    public static DotNetHeapReads Read(int pid, TimeSpan budget, CancellationToken cancellationToken, TimeSpan? gap = null)
    {
        // One after the other: the sample profiler pauses managed code at each sample, and lock state read by
        // ClrMD during such a pause was seen to lose owners here. The pause between the two reads of the heap (a
        // flow whose await changed between them is not stuck) is spent reading the locks and stacks.
        long started = Stopwatch.GetTimestamp();
        AsyncFlows first = AsyncFlowCapture.Capture(pid, budget, cancellationToken);
        ManagedLocks locks = DotNetInspector.CaptureLocks(pid, budget, cancellationToken);
        return new DotNetHeapReads(first, locks, started) { Gap = gap ?? DefaultFlowGap };
    }

    /// <summary>
    /// The second read of the heap, at least <see cref="DotNetHeapReads.Gap"/> after the first began; it needs no second look of
    /// the audit, so it is taken as soon as it may be, during the audit's interval where that is long enough.
    /// </summary>
    public static DotNetHeapReads ReadAgain(DotNetHeapReads reads, TimeSpan budget, CancellationToken cancellationToken) =>
        reads.Second is null ? reads with { Second = AsyncFlowCapture.CaptureAgain(reads.First, budget, reads.Gap - reads.SinceFirstRead, cancellationToken) } : reads;

    /// <summary>Whether the view of these threads running needs the stack sample (see <see cref="StackSampling"/>).</summary>
    public static bool NeedsStacks(DotNetHeapReads reads, IReadOnlyCollection<int> runningThreads) => StackSampling.Needed(runningThreads, reads.Locks);

    /// <summary>The view, given the threads the audit's last look saw running: the stack sample taken only when it is needed.</summary>
    public static ManagedView Finish(DotNetHeapReads reads, int pid, IReadOnlyCollection<int> runningThreads, TimeSpan budget, CancellationToken cancellationToken)
    {
        ManagedLocks locks = reads.Locks;
        ManagedStacks? stacks = NeedsStacks(reads, runningThreads) ? DotNetInspector.CaptureStacks(pid, budget, cancellationToken) : null;
        AsyncFlows flows = ReadAgain(reads, budget, cancellationToken).Second!;
        ImmutableArray<ManagedThreadFrames> frames = locks.Threads.Select(t => new ManagedThreadFrames(t.OsThreadId, t.Frames))
            .Concat(stacks?.Threads.Select(t => new ManagedThreadFrames(t.OsThreadId, t.Frames)) ?? [])
            .Where(t => !t.Frames.IsDefaultOrEmpty)
            .ToImmutableArray();

        ImmutableArray<ManagedLock> managedLocks = locks.Locks.Select(l => new ManagedLock
        {
            Id = $"monitor:{pid.ToString(CultureInfo.InvariantCulture)}:0x{l.ObjectAddress.ToString("x", CultureInfo.InvariantCulture)}",
            Type = l.TypeName,
            Kind = l.Kind.ToString(),
            OwnerTid = l.OwnerOsThreadId,
            WaiterTids = l.Waiters.Select(w => w.OsThreadId).ToImmutableArray(),
        }).ToImmutableArray();

        ImmutableArray<Note> notes = Notes(pid, "managed locks", locks.Status, locks.Notes)
            .Concat(stacks is null ? [] : Notes(pid, "managed stacks", stacks.Status, stacks.Notes))
            .Concat(Notes(pid, "async flows", flows.Status, flows.Notes))
            .Concat(PartialFlowsNote.Message(pid, flows) is string partial ? [new Note("partial", partial, pid)] : [])
            .ToImmutableArray();
        ImmutableArray<string> views = new[]
        {
            stacks?.Status == CaptureStatus.Captured || locks.Status == CaptureStatus.Captured ? "managed-stacks" : null,
            locks.Status == CaptureStatus.Captured ? "managed-locks" : null,
            flows.Status == CaptureStatus.Captured ? "async-flows" : null,
        }.OfType<string>().ToImmutableArray();
        return new ManagedView
        {
            Pid = pid,
            Stacks = frames,
            ManagedLocks = managedLocks,
            AsyncFlows = AsyncFlowRecords.Flows(pid, flows),
            AsyncFlowsFound = flows.TotalFlows > flows.Flows.Length ? flows.TotalFlows : null,
            AsyncLocks = AsyncFlowRecords.Locks(pid, flows),
            ThreadPool = AsyncFlowRecords.Pool(flows),
            RuntimeViews = views,
            Notes = notes,
        };
    }

    private static IEnumerable<Note> Notes(int pid, string what, CaptureStatus status, ImmutableArray<string> notes)
    {
        if (status == CaptureStatus.Captured)
        {
            yield break;
        }
        string kind = status switch
        {
            CaptureStatus.Gone => "gone",
            CaptureStatus.Denied => "denied",
            CaptureStatus.TimedOut => "timeout",
            CaptureStatus.NotDotNet or CaptureStatus.Unavailable => "unsupported",
            _ => "unreadable",
        };
        string detail = notes.IsDefaultOrEmpty ? status.ToString() : string.Join("; ", notes);
        yield return new Note(kind, $"{what} of {pid}: {detail}", pid);
    }
}
