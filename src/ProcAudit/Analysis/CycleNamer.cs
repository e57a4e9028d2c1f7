using System.Collections.Immutable;
using ProcAudit.Analysis.Patterns;

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
                    Side(write, d, full.Contains(write.Object!)), d.Capacity(write.Object!), wait.From.Pid, DrainSiteOf(d.PythonCallee(wait.From)), inferred));
            }
            if (path.All(e => e.Reason == WaitReasons.SendFullSocket))
            {
                return PatternCatalogue.SendSendDeadlock.Cycle(path, new SendSendDeadlockFacts(
                    d.Process(a.From.Pid), d.Process(b.From.Pid), a.Fd, d.Socket(a.Object!), b.Fd, d.Socket(b.Object!), inferred));
            }
            if (path.All(e => e.Reason == WaitReasons.ManagedLock))
            {
                return PatternCatalogue.LockOrderInversion.Cycle(path, new LockOrderInversionFacts.Monitors(
                    d.Process(a.From.Pid), d.Thread(a.From), d.ManagedLockType(a), d.Thread(b.From), d.ManagedLockType(b), inferred));
            }
            if (path.All(e => e.Reason == WaitReasons.FutexOwner))
            {
                return PatternCatalogue.LockOrderInversion.Cycle(path, new LockOrderInversionFacts.Mutexes(
                    d.Process(a.From.Pid), d.Thread(a.From), Address(a.Object!), d.Thread(b.From), Address(b.Object!)));
            }
            if (path.All(e => e.Reason == WaitReasons.GoLock))
            {
                return PatternCatalogue.LockOrderInversion.Cycle(path, new LockOrderInversionFacts.Goroutines(
                    d.Process(a.From.Pid), d.Goroutine(a.From), d.GoLock(a), d.Goroutine(b.From), d.GoLock(b), a.Evidence, b.Evidence));
            }
            if (path.All(e => e.Reason == WaitReasons.AsyncLock))
            {
                return PatternCatalogue.AsyncLockOrderInversion.Cycle(path, new AsyncLockOrderInversionFacts(
                    d.Process(a.From.Pid), d.Flow(a.From.Pid, a.From.Flow!), Address(a.Object!), d.Flow(b.From.Pid, b.From.Flow!), Address(b.Object!),
                    a.Evidence[(a.Evidence.IndexOf("taken as its holder: ", StringComparison.Ordinal) + 21)..]));
            }
            if (path.FirstOrDefault(e => e.Reason == WaitReasons.AsyncWait) is WaitEdge block && path.FirstOrDefault(e => e.Reason == WaitReasons.SyncContext) is WaitEdge post)
            {
                ImmutableArray<string> stack = d.ManagedStack(block.From);
                AsyncFlowInfo? flow = d.FlowInfo(post.From.Pid, post.From.Flow!);
                return PatternCatalogue.SyncContextDeadlock.Cycle(path, new SyncContextDeadlockFacts(
                    d.Process(block.From.Pid), d.Thread(block.From), AsyncStallFinder.BlockingCall(stack), AsyncStallFinder.Caller(stack), d.Flow(post.From.Pid, post.From.Flow!),
                    flow?.ContextType ?? "a SynchronizationContext", post.Object ?? ""));
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

    /// <summary>
    /// Where a Python parent waits for its child, from the library call its own line is in: matched by the
    /// library's file and the function, since interpreters before 3.11 record "wait", not "Popen.wait".
    /// </summary>
    private static DrainSite DrainSiteOf(StackFrame? call) => call switch
    {
        { Function: "Popen.wait" or "wait", File: string f } when f.EndsWith("/subprocess.py", StringComparison.Ordinal) => DrainSite.PopenWait,
        { Function: "BaseProcess.join" or "join", File: string f } when f.EndsWith("/multiprocessing/process.py", StringComparison.Ordinal) => DrainSite.ProcessJoin,
        _ => DrainSite.Other,
    };

    private static string Address(string futexId) => futexId[(futexId.LastIndexOf(':') + 1)..];

    /// <summary>The process, and for a Go process the goroutine and the library call it waits in (the evidence).</summary>
    private static string Actor(WaitEnd end, Describe d) =>
        end.Goroutine is not null ? d.Who(end)
        : d.GoroutineInSyscall(end) is long g ? d.Who(end with { Goroutine = g })
        : d.Process(end.Pid) + d.PythonWhere(end);

    public static string Verb(WaitEdge e) => e.Reason switch
    {
        WaitReasons.WaitChildExit => "waits for the exit of",
        WaitReasons.GoChanSend => $"waits to send on {e.Object} to",
        WaitReasons.GoChanRecv => $"waits to receive on {e.Object} from",
        WaitReasons.GoLock => $"waits for {e.Object} held by",
        _ => Kinds.KindRegistry.Words(e)?.Verb ?? $"waits ({e.Reason}) for",
    };
}
