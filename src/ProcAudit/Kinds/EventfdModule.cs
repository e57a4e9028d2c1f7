using System.Collections.Immutable;
using System.Globalization;
using ProcAudit.Analysis;
using ProcAudit.Reporting;

namespace ProcAudit.Kinds;

/// <summary>
/// eventfd counters: a read blocks while the count is 0, until some holder writes to it. A counter
/// only its own process holds is a wake-up between its threads; one another process holds too
/// (inherited across fork, or passed over a socket) is a wait for that process.
/// </summary>
internal sealed class EventfdModule : ObjectKindModule, IDescriptorKind
{
    public IReadOnlyList<FdKind> FdKinds { get; } = new[] { FdKind.Eventfd };

    public override IReadOnlyList<ObjectKind> ObjectKinds { get; } = new[] { ObjectKind.Eventfd };

    public override string Section => "Eventfds";

    public IEnumerable<WaitEdge> Observed(KindScope scope, ProcessInfo process, ThreadInfo thread, SyscallInfo call)
    {
        if (call.Shape != SyscallShape.FdRead || call.Fd is not int fd || Find(scope.Snapshot, process.Pid, fd) is not EventfdInfo counter || counter.Count != 0)
        {
            yield break;
        }
        foreach (int other in counter.Holders.Select(h => h.Pid).Where(p => p != process.Pid).Distinct())
        {
            yield return new WaitEdge(new WaitEnd(process.Pid, thread.Tid), new WaitEnd(other), counter.Id, WaitReasons.ReadEmptyEventfd, Certainty.Observed,
                $"thread {thread.Tid} is blocked in {call.Name}({fd}) on {counter.Id}, whose count is 0; {other} holds it too and could write to it", fd);
        }
    }

    public OwnWait OnDescriptor(KindScope scope, ProcessInfo process, FdInfo fd, string call, bool write, string wchan)
    {
        EventfdInfo? counter = Find(scope.Snapshot, process.Pid, fd.Fd);
        ImmutableArray<int> others = counter is null ? ImmutableArray<int>.Empty
            : counter.Holders.Select(h => h.Pid).Where(p => p != process.Pid).Distinct().ToImmutableArray();
        return others.IsEmpty
            ? OwnWait.End(WaitEndKind.Internal, $"waits in {call} on an eventfd (fd {fd.Fd})")
            : new OwnWait(WaitEndKind.Moved, $"waits in {call} on {counter!.Id}, held by {string.Join(", ", others)}", others);
    }

    public OwnWait Watched(KindScope scope, ProcessInfo process, FdInfo fd) =>
        Find(scope.Snapshot, process.Pid, fd.Fd) is { } counter && counter.Holders.Any(h => h.Pid != process.Pid)
            ? OnDescriptor(scope, process, fd, "poll", write: false, wchan: "")
            : OwnWait.End(WaitEndKind.Internal, "watches its own eventfd");

    private static EventfdInfo? Find(Snapshot snapshot, int pid, int fd) =>
        snapshot.Eventfds.FirstOrDefault(e => e.Holders.Any(h => h.Pid == pid && h.Fd == fd));

    /// <summary>A counter matters when something waits on it or two processes share it.</summary>
    public override IEnumerable<ReportObject> Objects(Snapshot snapshot, AnalysisResult analysis) =>
        snapshot.Eventfds.Where(e => e.Holders.Select(h => h.Pid).Distinct().Skip(1).Any() || analysis.Waits.Any(w => w.Object == e.Id))
            .Select(e => new ReportObject { Id = e.Id, Kind = ObjectKind.Eventfd, Holders = e.Holders, Count = e.Count });

    public override string Row(ReportObject o, Report report)
    {
        string holders = string.Join(", ", o.Holders.Select(h => $"{TextReport.Who(report, new WaitEnd(h.Pid))} fd {h.Fd}"));
        return $"{o.Id} count {o.Count?.ToString(CultureInfo.InvariantCulture) ?? "?"}; held by {holders} (holders outside these processes not searched)";
    }

    public override EdgeWords? Words(WaitEdge e) =>
        e.Reason == WaitReasons.ReadEmptyEventfd ? new EdgeWords($"reads empty {e.Object} written by", "written by") : null;

    public override string Label(ReportObject o) => $"{o.Id} count {o.Count?.ToString(CultureInfo.InvariantCulture) ?? "?"}";
}
