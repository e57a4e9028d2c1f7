using System.Collections.Immutable;
using ProcAudit.Analysis;

namespace ProcAudit.Reporting;

/// <summary>
/// The JSON report (schema version 1, docs/report.schema.json): a public contract that only grows.
/// Field names here are the contract; do not rename them.
/// </summary>
public sealed record Report
{
    /// <summary>The schema version of this document.</summary>
    public int SchemaVersion { get; init; } = 1;

    /// <summary>The tool that wrote it.</summary>
    public required ToolInfo Tool { get; init; }

    /// <summary>When the snapshot was taken.</summary>
    public required DateTimeOffset CapturedAt { get; init; }

    /// <summary>The audited pid.</summary>
    public required int Root { get; init; }

    /// <summary><c>deadlock</c>, <c>stalled</c>, <c>blocked</c>, <c>idle</c>, <c>running</c> or <c>exited</c>.</summary>
    public required Verdict Verdict { get; init; }

    /// <summary>The verdict in one sentence.</summary>
    public required string Headline { get; init; }

    /// <summary>Milliseconds between the samples progress was measured over; 0 for one sample.</summary>
    public int IntervalMs { get; init; }

    /// <summary>The audited tree, then every outside process that holds an end of one of its objects.</summary>
    public ImmutableArray<ProcessInfo> Processes { get; init; } = ImmutableArray<ProcessInfo>.Empty;

    /// <summary>The kernel objects that matter.</summary>
    public ImmutableArray<ReportObject> Objects { get; init; } = ImmutableArray<ReportObject>.Empty;

    /// <summary>The wait-for edges.</summary>
    public ImmutableArray<WaitEdge> Waits { get; init; } = ImmutableArray<WaitEdge>.Empty;

    /// <summary>Every wait cycle.</summary>
    public ImmutableArray<Cycle> Cycles { get; init; } = ImmutableArray<Cycle>.Empty;

    /// <summary>Problems that are not cycles.</summary>
    public ImmutableArray<Finding> Findings { get; init; } = ImmutableArray<Finding>.Empty;

    /// <summary>Every waiting thread and goroutine of the tree, and where its wait ends: what the verdict is taken from.</summary>
    public ImmutableArray<ReportWaitEnd> WaitEnds { get; init; } = ImmutableArray<ReportWaitEnd>.Empty;

    /// <summary>What could not be read and why.</summary>
    public ImmutableArray<Note> Notes { get; init; } = ImmutableArray<Note>.Empty;
}

/// <summary>Where one waiting thread's (or goroutine's) wait ends.</summary>
/// <param name="Waiter">The waiting thread or goroutine.</param>
/// <param name="End"><c>moved</c>, <c>timer</c>, <c>outside</c>, <c>cycle</c>, <c>stopped</c>, <c>unexplained</c> (or <c>internal</c>).</param>
/// <param name="Summary">The wait followed to its end, in words.</param>
/// <param name="At">The thread, goroutine or process where it ends.</param>
/// <param name="Waits">The edges followed, in order, as indices into the report's <c>waits</c>.</param>
public sealed record ReportWaitEnd(WaitEnd Waiter, WaitEndKind End, string Summary, WaitEnd At, ImmutableArray<int> Waits);

/// <summary>The name and version of the tool that wrote a report.</summary>
/// <param name="Name">Always <c>procaudit</c>.</param>
/// <param name="Version">The tool's version.</param>
public sealed record ToolInfo(string Name, string Version);

/// <summary>A kernel object in the report: a pipe, a socket, a file lock.</summary>
public sealed record ReportObject
{
    /// <summary>The link text, e.g. <c>pipe:[8533]</c>.</summary>
    public required string Id { get; init; }

    /// <summary>What it is; its module in src/ProcAudit/Kinds lists, describes and draws it.</summary>
    public required ObjectKind Kind { get; init; }

    /// <summary>Every holder on the machine.</summary>
    public ImmutableArray<Holder> Holders { get; init; } = ImmutableArray<Holder>.Empty;

    /// <summary>Bytes queued.</summary>
    public long? QueuedBytes { get; init; }

    /// <summary>Capacity in bytes.</summary>
    public long? CapacityBytes { get; init; }

    /// <summary>True when there is no room for the blocked writer, or queued equals capacity.</summary>
    public bool Full { get; init; }

    /// <summary>True when every process on the machine was searched for holders.</summary>
    public bool HoldersComplete { get; init; }

    /// <summary>Bytes queued at the second look, when there was one.</summary>
    public long? QueuedBytesLater { get; init; }

    /// <summary>Sockets: the kernel's state name.</summary>
    public string? State { get; init; }

    /// <summary>TCP/UDP sockets: local address and port.</summary>
    public string? Local { get; init; }

    /// <summary>TCP/UDP sockets: remote address and port.</summary>
    public string? Remote { get; init; }

    /// <summary>Unix sockets: the bound path.</summary>
    public string? Path { get; init; }

    /// <summary>Sockets: bytes written and not yet taken by the other side (TCP Send-Q).</summary>
    public long? SendQueueBytes { get; init; }

    /// <summary>Sockets: bytes received and not read (TCP Recv-Q).</summary>
    public long? RecvQueueBytes { get; init; }

    /// <summary>Sockets: the other end's id, when it is on this machine.</summary>
    public string? Peer { get; init; }

    /// <summary>TCP: the zero-window probe runs (the peer does not read).</summary>
    public bool? ZeroWindow { get; init; }

    /// <summary>Eventfd: the counter's value (a read waits while it is 0).</summary>
    public ulong? Count { get; init; }
}
