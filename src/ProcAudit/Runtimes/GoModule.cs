using ProcAudit.Analysis;
using ProcAudit.Kinds;

namespace ProcAudit.Runtimes;

/// <summary>
/// The Go view: goroutines, channels and locks read from the process's memory. With them read, the goroutines say
/// what the program waits for (its threads only carry them), and replace the guess from the epoll set.
/// </summary>
internal sealed class GoModule : RuntimeViewModule
{
    public override string Runtime => RuntimeNames.Go;

    public override bool ReadsWaiters(ProcessInfo process) => !process.Goroutines.IsDefaultOrEmpty;

    public override IEnumerable<WaitEdge> WaiterEdges(KindScope scope, ProcessInfo process) => GoEdges.Of(scope, process);

    public override IEnumerable<WaitEnd> Waiters(ProcessInfo process) => GoWaitEnds.Waiters(process);

    public override bool Owns(WaitEnd end) => end.Goroutine is not null;

    public override WaitLead Follow(IWaitFollower follower, WaitEnd node) => GoWaitEnds.Follow(follower, node);

    public override IEnumerable<WaitEnd> Leads(IWaitFollower follower, ProcessInfo process) => GoWaitEnds.Leads(follower, process);

    public override bool IsHousekeeping(ProcessInfo process, ThreadInfo thread) => !process.Goroutines.IsDefaultOrEmpty;

    public override bool KeepsProgramTimers => true;

    public override IEnumerable<Finding> Findings(ViewFindingScope scope) => GoStallFinder.Find(scope);

    public override string? Who(Describe d, WaitEnd end) => end.Goroutine is null ? null : $"{d.Process(end.Pid)} {GoWords.Goroutine(d, end)}";

    public override string? WaiterDetail(ProcessInfo? process, WaitEnd end) => end.Goroutine is long g ? $"goroutine {g}" : null;

    /// <summary>A goroutine by the library call it waits in; a thread by the goroutine in a system call on it.</summary>
    public override string? Actor(Describe d, WaitEnd end) =>
        end.Goroutine is not null ? d.Who(end)
        : GoWords.InSyscall(d, end) is long g ? d.Who(end with { Goroutine = g })
        : null;

    public override string? WaitLine(Describe d, WaitEnd end)
    {
        if (end.Goroutine is null)
        {
            return null;
        }
        GoroutineInfo? g = d.Snapshot.FindProcess(end.Pid)?.Goroutines.FirstOrDefault(x => x.Id == end.Goroutine);
        return $"{GoWords.Goroutine(d, end)}: {g?.WaitReason ?? g?.State}{(g?.WaitsOn is string on ? " on " + on : "")}";
    }

    /// <summary>A Go program's main goroutine says what it is doing better than the futex its threads sleep in.</summary>
    public override string? Activity(ProcessInfo process, ThreadInfo? main) =>
        process.Goroutines.FirstOrDefault(g => g.Id == 1) is { State: "waiting" } goMain && GoWords.OwnFrame(goMain) is StackFrame frame
            ? $"waits ({goMain.WaitReason}) in {frame.Function} ({Path.GetFileName(frame.File)}:{frame.Line}, goroutine 1)"
            : null;

    public override void WriteText(ProcessInfo process, TextWriter w) => GoSections.WriteText(process, w);

    public override void WriteHtml(ProcessInfo process, TextWriter w) => GoSections.WriteHtml(process, w);
}
