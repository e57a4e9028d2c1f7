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
    /// <summary>The least time between the starts of the two reads of the heap.</summary>
    private static readonly TimeSpan s_flowGap = TimeSpan.FromMilliseconds(300);

    /// <inheritdoc />
    public string Runtime => "dotnet";

    /// <inheritdoc />
    public RuntimeView Enrich(ProcessInfo process, TimeSpan budget, CancellationToken cancellationToken) =>
        Finish(Read(process.Pid, budget, cancellationToken), process, budget, cancellationToken);

    /// <summary>The first part, read on another thread while the audit waits for its second look.</summary>
    public IStartedView Begin(ProcessInfo firstLook, TimeSpan budget, CancellationToken cancellationToken) =>
        new StartedDotNetView(this, Task.Run(() => Read(firstLook.Pid, budget, cancellationToken), cancellationToken), budget, cancellationToken);

    /// <summary>
    /// What needs only the pid: the first read of the heap, and the locks with their owners' stacks. A helper process
    /// takes it before the audit's second look, while the process itself (as JSON on its stdin) is still to come.
    /// </summary>
    public static DotNetFirstRead Read(int pid, TimeSpan budget, CancellationToken cancellationToken)
    {
        // One after the other: the sample profiler pauses managed code at each sample, and lock state read by
        // ClrMD during such a pause was seen to lose owners here. The pause between the two reads of the heap (a
        // flow whose await changed between them is not stuck) is spent reading the locks and stacks.
        long started = Stopwatch.GetTimestamp();
        AsyncFlows first = AsyncFlowCapture.Capture(pid, budget, cancellationToken);
        ManagedLocks locks = DotNetInspector.CaptureLocks(pid, budget, cancellationToken);
        return new DotNetFirstRead(first, locks, started);
    }

    /// <summary>The rest, on the process as the audit saw it last: the stack sample when it is needed, and the second read of the heap.</summary>
    public static RuntimeView Finish(DotNetFirstRead read, ProcessInfo process, TimeSpan budget, CancellationToken cancellationToken)
    {
        ManagedLocks locks = read.Locks;
        ManagedStacks? stacks = StackSampling.Needed(process, locks) ? DotNetInspector.CaptureStacks(process.Pid, budget, cancellationToken) : null;
        AsyncFlows flows = AsyncFlowCapture.CaptureAgain(read.Flows, budget, s_flowGap - read.SinceFirstRead, cancellationToken);
        ImmutableArray<ThreadInfo> threads = process.Threads.Select(t =>
        {
            ImmutableArray<string> frames = locks.FindThread(t.Tid)?.Frames ?? ImmutableArray<string>.Empty;
            if (frames.IsDefaultOrEmpty)
            {
                frames = stacks?.FindThread(t.Tid)?.Frames ?? ImmutableArray<string>.Empty;
            }
            return frames.IsDefaultOrEmpty ? t : t with { ManagedStack = frames };
        }).ToImmutableArray();

        ImmutableArray<ManagedLock> managedLocks = locks.Locks.Select(l => new ManagedLock
        {
            Id = $"monitor:{process.Pid.ToString(CultureInfo.InvariantCulture)}:0x{l.ObjectAddress.ToString("x", CultureInfo.InvariantCulture)}",
            Type = l.TypeName,
            Kind = l.Kind.ToString(),
            OwnerTid = l.OwnerOsThreadId,
            WaiterTids = l.Waiters.Select(w => w.OsThreadId).ToImmutableArray(),
        }).ToImmutableArray();

        ImmutableArray<Note> notes = Notes(process.Pid, "managed locks", locks.Status, locks.Notes)
            .Concat(stacks is null ? [] : Notes(process.Pid, "managed stacks", stacks.Status, stacks.Notes))
            .Concat(Notes(process.Pid, "async flows", flows.Status, flows.Notes))
            .Concat(PartialFlowsNote.Message(process.Pid, flows) is string partial ? [new Note("partial", partial, process.Pid)] : [])
            .ToImmutableArray();
        ImmutableArray<string> views = new[]
        {
            stacks?.Status == CaptureStatus.Captured || locks.Status == CaptureStatus.Captured ? "managed-stacks" : null,
            locks.Status == CaptureStatus.Captured ? "managed-locks" : null,
            flows.Status == CaptureStatus.Captured ? "async-flows" : null,
        }.OfType<string>().ToImmutableArray();
        return new RuntimeView(process with
        {
            Threads = threads,
            ManagedLocks = managedLocks,
            AsyncFlows = AsyncFlowRecords.Flows(process.Pid, flows),
            AsyncFlowsFound = flows.TotalFlows > flows.Flows.Length ? flows.TotalFlows : null,
            AsyncLocks = AsyncFlowRecords.Locks(process.Pid, flows),
            ThreadPool = AsyncFlowRecords.Pool(flows),
            RuntimeViews = views,
        }, notes);
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
