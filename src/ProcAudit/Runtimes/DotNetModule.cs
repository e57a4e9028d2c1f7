using ProcAudit.Analysis;
using ProcAudit.Kinds;

namespace ProcAudit.Runtimes;

/// <summary>
/// The .NET view: managed stacks, the owners of managed locks, async flows, the thread pool. The runtime's word on a
/// lock's owner or a thread's synchronous wait on a flow is observed; a flow's holder or reader is inferred.
/// </summary>
internal sealed class DotNetModule : RuntimeViewModule
{
    public override string Runtime => RuntimeNames.DotNet;

    public override IEnumerable<WaitEdge> Edges(KindScope scope, ProcessInfo process) => DotNetEdges.Of(scope, process);

    public override IEnumerable<WaitEnd> Waiters(ProcessInfo process) => AsyncWaitEnds.Waiters(process);

    public override bool Owns(WaitEnd end) => end.Flow is not null;

    public override WaitLead Follow(IWaitFollower follower, WaitEnd node) => AsyncWaitEnds.Follow(follower, node);

    public override IEnumerable<WaitEnd> Leads(IWaitFollower follower, ProcessInfo process) => AsyncWaitEnds.Leads(follower, process);

    public override bool IsHousekeeping(ProcessInfo process, ThreadInfo thread) => DotNetThreads.IsHousekeeping(thread);

    public override IEnumerable<Finding> Findings(ViewFindingScope scope) =>
        ManagedLockHolderFinder.Find(scope).Concat(AsyncStallFinder.Find(scope)).Concat(AsyncStallFinder.Channels(scope));

    public override string? Who(Describe d, WaitEnd end) => end.Flow is string flow ? $"{d.Process(end.Pid)} {DotNetWords.Flow(d, end.Pid, flow)}" : null;

    /// <summary>A flow by its innermost awaiting method, or its id when its frames were not read.</summary>
    public override string? WaiterDetail(ProcessInfo? process, WaitEnd end)
    {
        if (end.Flow is not string flow)
        {
            return null;
        }
        AsyncFlowInfo? f = process?.AsyncFlows.FirstOrDefault(x => x.Id == flow);
        return $"async {(f is null || f.Frames.IsDefaultOrEmpty ? flow : f.Frames[^1])}";
    }

    public override string? WaitLine(Describe d, WaitEnd end)
    {
        if (end.Flow is not string flow)
        {
            return null;
        }
        AsyncFlowInfo? f = DotNetWords.FlowInfo(d, end.Pid, flow);
        return $"{DotNetWords.Flow(d, end.Pid, flow)}: awaits {f?.Awaits}{(f?.WaitsOn is string on ? " " + on : "")}";
    }

    /// <summary>A managed frame says more than the futex under it: BlockingCollection.Add, Task.Wait, Monitor.Wait...</summary>
    public override string? Activity(ProcessInfo process, ThreadInfo? main) =>
        main?.Syscall is { Name: not null }
        && main.ManagedStack.FirstOrDefault(f => !f.StartsWith("System.Threading.Monitor.", StringComparison.Ordinal)
            && !f.StartsWith("System.Threading.SemaphoreSlim.Wait", StringComparison.Ordinal)
            && !f.StartsWith("System.Threading.ManualResetEventSlim.Wait", StringComparison.Ordinal)
            && !f.StartsWith("System.Threading.LowLevel", StringComparison.Ordinal)) is string frame
            ? $"waits in {frame} (thread {main.Tid})"
            : null;

    /// <summary>
    /// A thread in Process.WaitForExit with no child left to wait for waits for the redirected output to end (the
    /// runtime's async reads, in its epoll thread, must see EOF first).
    /// </summary>
    public override string? WaitsForOutput(Describe d, ProcessInfo reader)
    {
        foreach (ThreadInfo t in reader.Threads)
        {
            if (DotNetWords.WaitForExitFrame(t) is string frame)
            {
                return $"{d.Process(reader.Pid)} (thread {t.Tid} in {frame}, which waits for the redirected output to reach EOF)";
            }
        }
        return null;
    }

    public override bool Telling(ProcessInfo process, ThreadInfo thread) =>
        process.ManagedLocks.Any(l => l.OwnerTid == thread.Tid || l.WaiterTids.Contains(thread.Tid));

    public override IEnumerable<string> ThreadLines(ThreadInfo thread) => DotNetSections.ThreadLines(thread);

    public override void WriteText(ProcessInfo process, TextWriter w) => DotNetSections.WriteText(process, w);

    public override string? InnermostFrame(ThreadInfo thread) => thread.ManagedStack.IsDefaultOrEmpty ? null : thread.ManagedStack[0];
}
