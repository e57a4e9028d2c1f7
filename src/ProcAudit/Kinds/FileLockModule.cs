using System.Collections.Immutable;
using ProcAudit.Analysis;
using ProcAudit.Reporting;

namespace ProcAudit.Kinds;

/// <summary>
/// File locks (flock, POSIX and OFD record locks): /proc/locks queues each waiting request under the
/// lock it waits for, so a waiter waits for that lock's holder. Waits on them are calls on files,
/// not on a descriptor kind of their own.
/// </summary>
internal sealed class FileLockModule : ObjectKindModule
{
    public override IReadOnlyList<ObjectKind> ObjectKinds { get; } = new[] { ObjectKind.Flock, ObjectKind.Posix, ObjectKind.Ofd, ObjectKind.Lease };

    public override string Section => "Locks";

    /// <summary>The waiter's thread, blocked in flock or fcntl, waits for the holder of the lock it is queued under.</summary>
    public override IEnumerable<WaitEdge> Edges(KindScope scope)
    {
        Snapshot snapshot = scope.Snapshot;
        ImmutableArray<FileLockInfo> locks = snapshot.FileLocks;
        for (int i = 0; i < locks.Length; i++)
        {
            FileLockInfo waiter = locks[i];
            if (waiter.Depth == 0 || waiter.Pid is not int pid || snapshot.FindProcess(pid) is not ProcessInfo process)
            {
                continue;
            }
            FileLockInfo? blocker = null;
            for (int j = i - 1; j >= 0 && locks[j].Ordinal == waiter.Ordinal; j--)
            {
                if (locks[j].Depth == waiter.Depth - 1)
                {
                    blocker = locks[j];
                    break;
                }
            }
            // Observed means a thread seen blocked in the lock call: /proc/locks is read a moment
            // after the threads, and a request queued in between has no such thread yet.
            ThreadInfo? thread = process.Threads.FirstOrDefault(t => t.Syscall?.Name is "flock" or "fcntl");
            if (blocker?.Pid is not int holder || holder == pid || thread is null || thread.Progress?.Moved == true)
            {
                continue;
            }
            string what = waiter.Path ?? blocker.Path ?? blocker.Id;
            string queue = waiter.Depth > 1 ? $"behind the {blocker.Access} request of {holder}" : $"behind the {blocker.Access} lock {holder} holds";
            yield return new WaitEdge(new WaitEnd(pid, thread.Tid), new WaitEnd(holder), blocker.Id, WaitReasons.LockHeld, Certainty.Observed,
                $"thread {thread.Tid} is blocked in {thread.Syscall!.Name} on {what}; /proc/locks queues its {waiter.Access} request {queue}",
                waiter.Fd);
        }
    }

    public override IEnumerable<ReportObject> Objects(Snapshot snapshot, AnalysisResult analysis) =>
        snapshot.FileLocks.Where(l => analysis.Waits.Any(w => w.Object == l.Id)).GroupBy(l => l.Id).Select(g => new ReportObject
        {
            Id = g.Key,
            Kind = g.First().Class switch { "FLOCK" => ObjectKind.Flock, "POSIX" => ObjectKind.Posix, "OFDLCK" => ObjectKind.Ofd, _ => ObjectKind.Lease },
            Holders = g.Where(l => l.Pid is not null).Select(l => new Holder(l.Pid!.Value, l.Fd, l.Depth == 0 ? "owner" : "waiter")).Distinct().ToImmutableArray(),
            Path = g.Select(l => l.Path).FirstOrDefault(p => p is not null),
        });

    public override string Row(ReportObject o, Report report)
    {
        string owners = string.Join(", ", o.Holders.Where(h => h.Role == "owner").Select(h => $"{TextReport.Who(report, new WaitEnd(h.Pid))}{(h.Fd is int fd ? $" fd {fd}" : "")}"));
        string waiters = string.Join(", ", o.Holders.Where(h => h.Role == "waiter").Select(h => $"{TextReport.Who(report, new WaitEnd(h.Pid))}{(h.Fd is int fd ? $" fd {fd}" : "")}"));
        return $"{o.Id} {TerminalText.Safe(o.Path ?? "")}; held by {(owners.Length > 0 ? owners : "?")}; waited for by {(waiters.Length > 0 ? waiters : "nobody")}";
    }

    public override string Label(ReportObject o) => $"{o.Id} {o.Kind.Name()}";
}
