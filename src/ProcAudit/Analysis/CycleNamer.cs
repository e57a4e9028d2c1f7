using System.Collections.Immutable;
using ProcAudit.Analysis.Patterns;
using ProcAudit.Runtimes;
using static ProcAudit.Analysis.ObjectIds;

namespace ProcAudit.Analysis;

/// <summary>
/// Gives each wait cycle a stable pattern name, one sentence a person can act on, and a fix: it recognises the shape
/// of the cycle and gathers its facts; the words are the <see cref="PatternCatalogue"/>'s.
/// </summary>
internal static class CycleNamer
{
    public static Cycle Name(ImmutableArray<WaitEdge> path, Describe d, ImmutableHashSet<string> full)
    {
        string? inferred = path.FirstOrDefault(e => e.Certainty == Certainty.Inferred)?.Evidence;
        if (path.Length == 2)
        {
            WaitEdge? read = path.FirstOrDefault(e => e.Reason == WaitReasons.ReadEmptyPipe);
            WaitEdge? write = path.FirstOrDefault(e => e.Reason == WaitReasons.WriteFullPipe);
            WaitEdge? wait = path.FirstOrDefault(e => e.Reason == WaitReasons.WaitChildExit);
            WaitEdge a = path[0];
            WaitEdge b = path[1];
            if (read is not null && write is not null && read.Object != write.Object)
            {
                return PatternCatalogue.PipeOrderInversion.Cycle(path, new PipeOrderInversionFacts(
                    Actor(read.From, d), Side(read, d, full: false), d.Relation(read.From.Pid, write.From.Pid), Actor(write.From, d),
                    Side(write, d, full.Contains(write.Object!)), d.Capacity(write.Object!), read.From.Pid, inferred));
            }
            if (wait is not null && write is not null)
            {
                return PatternCatalogue.WaitBeforeDrain.Cycle(path, new WaitBeforeDrainFacts(
                    Actor(wait.From, d), d.Relation(wait.From.Pid, wait.To.Pid), d.Process(wait.To.Pid), Actor(write.From, d),
                    Side(write, d, full.Contains(write.Object!)), d.Capacity(write.Object!), wait.From.Pid, RuntimeRegistry.DrainSite(d, wait.From), inferred));
            }
            if (path.All(e => e.Reason == WaitReasons.SendFullSocket))
            {
                return PatternCatalogue.SendSendDeadlock.Cycle(path, new SendSendDeadlockFacts(
                    d.Process(a.From.Pid), d.Process(b.From.Pid), a.Fd, d.Socket(a.Object!), b.Fd, d.Socket(b.Object!), inferred));
            }
            if (path.All(e => e.Reason == WaitReasons.ManagedLock))
            {
                return PatternCatalogue.LockOrderInversion.Cycle(path, new LockOrderInversionFacts.Monitors(
                    d.Process(a.From.Pid), d.Thread(a.From), DotNetWords.LockType(d, a), d.Thread(b.From), DotNetWords.LockType(d, b), inferred));
            }
            if (path.All(e => e.Reason == WaitReasons.FutexOwner))
            {
                return PatternCatalogue.LockOrderInversion.Cycle(path, new LockOrderInversionFacts.Mutexes(
                    d.Process(a.From.Pid), d.Thread(a.From), Address(a.Object!), d.Thread(b.From), Address(b.Object!)));
            }
            if (path.All(e => e.Reason == WaitReasons.GoLock))
            {
                return PatternCatalogue.LockOrderInversion.Cycle(path, new LockOrderInversionFacts.Goroutines(
                    d.Process(a.From.Pid), GoWords.Goroutine(d, a.From), GoWords.Lock(d, a), GoWords.Goroutine(d, b.From), GoWords.Lock(d, b), a.Evidence, b.Evidence));
            }
            if (path.All(e => e.Reason == WaitReasons.AsyncLock))
            {
                return PatternCatalogue.AsyncLockOrderInversion.Cycle(path, new AsyncLockOrderInversionFacts(
                    d.Process(a.From.Pid), DotNetWords.Flow(d, a.From.Pid, a.From.Flow!), Address(a.Object!), DotNetWords.Flow(d, b.From.Pid, b.From.Flow!), Address(b.Object!),
                    a.Evidence[(a.Evidence.IndexOf("taken as its holder: ", StringComparison.Ordinal) + 21)..]));
            }
            if (path.FirstOrDefault(e => e.Reason == WaitReasons.AsyncWait) is WaitEdge block && path.FirstOrDefault(e => e.Reason == WaitReasons.SyncContext) is WaitEdge post)
            {
                ImmutableArray<string> stack = DotNetWords.ManagedStack(d, block.From);
                AsyncFlowInfo? flow = DotNetWords.FlowInfo(d, post.From.Pid, post.From.Flow!);
                return PatternCatalogue.SyncContextDeadlock.Cycle(path, new SyncContextDeadlockFacts(
                    d.Process(block.From.Pid), d.Thread(block.From), AsyncStallFinder.BlockingCall(stack), AsyncStallFinder.Caller(stack), DotNetWords.Flow(d, post.From.Pid, post.From.Flow!),
                    flow?.ContextType ?? "a SynchronizationContext", post.Object ?? ""));
            }
            if (PythonLockEdges.NameCycle(path, d) is Cycle python)
            {
                return python;
            }
            if (path.All(e => e.Reason == WaitReasons.LockHeld))
            {
                return PatternCatalogue.LockOrderInversion.Cycle(path, new LockOrderInversionFacts.Processes(
                    d.Who(a.From), d.Lock(a.Object!), d.Who(b.From), d.Lock(b.Object!), inferred));
            }
            if (path.All(e => e.Reason == WaitReasons.RecvEmptySocket))
            {
                return PatternCatalogue.RecvRecvDeadlock.Cycle(path, new RecvRecvDeadlockFacts(
                    d.Process(a.From.Pid), d.Process(b.From.Pid), d.Socket(a.Object!), d.Socket(b.Object!), inferred));
            }
        }
        return PatternCatalogue.WaitCycle.Cycle(path, new WaitCycleFacts(
            path.Select(e => $"{d.Who(e.From)} {Verb(e)} {d.Who(e.To)}").ToImmutableArray(), inferred));
    }

    /// <summary>The pipe a wait is on, as the waiter holds it.</summary>
    private static PipeSide Side(WaitEdge e, Describe d, bool full) => new(d.StreamName(e.Object!), e.Fd, e.Object!, d.Fill(e.Object!, full));

    /// <summary>The process, with where its code waits as a runtime view read it (a goroutine and the library call it is in, a Python line).</summary>
    private static string Actor(WaitEnd end, Describe d) => RuntimeRegistry.Actor(d, end) ?? d.Process(end.Pid) + d.Where(end);

    public static string Verb(WaitEdge e) => e.Reason switch
    {
        WaitReasons.WaitChildExit => "waits for the exit of",
        WaitReasons.GoChanSend => $"waits to send on {e.Object} to",
        WaitReasons.GoChanRecv => $"waits to receive on {e.Object} from",
        WaitReasons.GoLock => $"waits for {e.Object} held by",
        _ => Kinds.KindRegistry.Words(e)?.Verb ?? $"waits ({e.Reason}) for",
    };
}
