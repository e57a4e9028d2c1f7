using System.Collections.Immutable;
using System.Globalization;
using ProcAudit.Analysis;
using ProcAudit.Reporting;

namespace ProcAudit.Kinds;

/// <summary>Pipes and FIFOs: a reader waits for a writer while the pipe is empty, a writer for a reader while it is full.</summary>
internal sealed class PipeModule : ObjectKindModule, IDescriptorKind
{
    public IReadOnlyList<FdKind> FdKinds { get; } = new[] { FdKind.Pipe };

    public bool ListedWithProcess => true;

    public override IReadOnlyList<ObjectKind> ObjectKinds { get; } = new[] { ObjectKind.Pipe };

    public override string Section => "Pipes";

    public IEnumerable<WaitEdge> Observed(KindScope scope, ProcessInfo process, ThreadInfo thread, SyscallInfo call)
    {
        if (call.Shape is not (SyscallShape.FdRead or SyscallShape.FdWrite) || call.Object is not string obj || scope.StuckPipe(obj) is not PipeInfo pipe)
        {
            yield break;
        }
        bool write = call.Shape == SyscallShape.FdWrite;
        WaitEnd from = new(process.Pid, thread.Tid);
        foreach (int other in KindScope.Holding(pipe.Holders, write ? "reader" : "writer", except: process.Pid))
        {
            yield return write
                ? new WaitEdge(from, new WaitEnd(other), obj, WaitReasons.WriteFullPipe, Certainty.Observed,
                    $"thread {thread.Tid} is blocked in {call.Name}({call.Fd}) on {obj}, which has no room", call.Fd)
                : new WaitEdge(from, new WaitEnd(other), obj, WaitReasons.ReadEmptyPipe, Certainty.Observed,
                    $"thread {thread.Tid} is blocked in {call.Name}({call.Fd}) on {obj}, which is empty", call.Fd);
        }
    }

    public OwnWait OnDescriptor(KindScope scope, ProcessInfo process, FdInfo fd, string call, bool write, string wchan) => OnPipe(scope, process, fd.Target, write);

    public OwnWait Watched(KindScope scope, ProcessInfo process, FdInfo fd) => OnPipe(scope, process, fd.Target, fd.Access == "write");

    /// <summary>
    /// A pipe no edge was drawn for: its level moved, its other end is the process's own (a wake-up
    /// pipe), or the other holders are not blocked and may yet read or write.
    /// </summary>
    private static OwnWait OnPipe(KindScope scope, ProcessInfo process, string id, bool write)
    {
        PipeInfo? pipe = scope.Pipe(id);
        if (pipe is null)
        {
            return OwnWait.End(WaitEndKind.Unexplained, $"waits on {id}, which could not be measured");
        }
        if (pipe.QueuedBytesLater is long later && pipe.QueuedBytes is long before && later != before)
        {
            return OwnWait.End(WaitEndKind.Moved, $"waits on {id}, whose level moved ({before} -> {later} bytes)");
        }
        string role = write ? "reader" : "writer";
        ImmutableArray<int> others = pipe.Holders.Where(h => h.Pid != process.Pid && (h.Role == role || h.Role == "unknown")).Select(h => h.Pid).Distinct().ToImmutableArray();
        if (!others.IsEmpty)
        {
            return new OwnWait(WaitEndKind.Moved, $"waits on {id}, held by {string.Join(", ", others)}", others);
        }
        // Only its own process holds the other end: a signal handler (single-threaded) or another thread writes it.
        return process.Threads.Length == 1 && !write
            ? OwnWait.End(WaitEndKind.Outside, $"waits for a signal (its own wake-up pipe {id})")
            : OwnWait.End(WaitEndKind.Internal, $"waits on its own pipe {id}");
    }

    public override IEnumerable<ReportObject> Objects(Snapshot snapshot, AnalysisResult analysis) =>
        snapshot.Pipes.Where(p => Matters(p, analysis)).Select(p => new ReportObject
        {
            Id = p.Id,
            Kind = ObjectKind.Pipe,
            Holders = p.Holders,
            QueuedBytes = p.QueuedBytes,
            CapacityBytes = p.CapacityBytes,
            Full = analysis.FullPipes.Contains(p.Id),
            QueuedBytesLater = p.QueuedBytesLater,
            HoldersComplete = p.HoldersComplete,
        });

    /// <summary>
    /// A pipe matters when something waits on it or it joins two processes; a runtime's private
    /// self-pipe (both ends in one process, nobody waiting) stays in that process's fds only.
    /// </summary>
    private static bool Matters(PipeInfo pipe, AnalysisResult analysis) =>
        pipe.Holders.Select(h => h.Pid).Distinct().Skip(1).Any()
        || analysis.Waits.Any(w => w.Object == pipe.Id)
        || analysis.Findings.Any(f => f.Object == pipe.Id);

    public override string Row(ReportObject o, Report report)
    {
        string level = o.QueuedBytes is long q ? $"{q.ToString(CultureInfo.InvariantCulture)}/{o.CapacityBytes?.ToString(CultureInfo.InvariantCulture) ?? "?"} bytes" : "level unknown";
        string readers = TextReport.Some(o.Holders.Where(h => h.Role == "reader").Select(h => $"{h.Pid} fd {h.Fd}"));
        string writers = TextReport.Some(o.Holders.Where(h => h.Role == "writer").Select(h => $"{h.Pid} fd {h.Fd}"));
        string none = o.HoldersComplete ? "nobody" : "nobody in these processes";
        return $"{o.Id} {level}{(o.Full ? " FULL" : "")}; read by {(readers.Length > 0 ? readers : none)}; written by {(writers.Length > 0 ? writers : none)}";
    }

    public override EdgeWords? Words(WaitEdge e) => e.Reason switch
    {
        WaitReasons.ReadEmptyPipe => new EdgeWords($"reads empty {e.Object} written by", "written by"),
        WaitReasons.WriteFullPipe => new EdgeWords($"writes full {e.Object} read by", "read by"),
        _ => null,
    };

    public override string? OnStopped(WaitEdge e, Describe d) => e.Reason switch
    {
        WaitReasons.ReadEmptyPipe => $"reads {d.StreamName(e.Object!)} (fd {e.Fd}, {e.Object}, {d.Fill(e.Object!, false)}) from it",
        WaitReasons.WriteFullPipe => $"writes {d.StreamName(e.Object!)} (fd {e.Fd}, {e.Object}, {d.Fill(e.Object!, true)}) that it should read",
        _ => null,
    };

    public override string Label(ReportObject o) =>
        o.QueuedBytes is long q ? $"{o.Id} {(q == 0 ? "empty" : $"{q}/{o.CapacityBytes} bytes{(o.Full ? " full" : "")}")}" : $"{o.Id} pipe";
}
