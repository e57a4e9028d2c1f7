using System.Collections.Immutable;
using System.Globalization;
using ProcAudit.Analysis;
using ProcAudit.Analysis.Patterns;

namespace ProcAudit.Runtimes;

/// <summary>
/// .NET stalls that are not cycles of flows: sync-over-async that has left the thread pool no thread to run its
/// queue. The facts are the runtime's (its pool's counts and queue, read from the heap), the threads' (/proc: none
/// moved, none idle), and the async-wait edges of the blocked workers. The words are the <see cref="PatternCatalogue"/>'s.
/// </summary>
internal static class AsyncStallFinder
{
    /// <summary>CoreCLR's name for a thread-pool worker (comm, 15 bytes at most).</summary>
    private const string WorkerName = ".NET TP Worker";

    public static IEnumerable<Finding> Find(ViewFindingScope scope)
    {
        (Snapshot snapshot, ImmutableArray<WaitEdge> edges, _, Describe d, _) = scope;
        foreach (ProcessInfo process in snapshot.Processes)
        {
            if (Starved(process) is not { } workers)
            {
                continue;
            }
            ThreadPoolInfo pool = process.ThreadPool!;
            List<WaitEdge> waits = new();
            List<(string Key, int Tid)> blockers = new();
            foreach (ThreadInfo t in workers)
            {
                WaitEdge? onFlow = edges.FirstOrDefault(e => e.From.Pid == process.Pid && e.From.Tid == t.Tid && e.Reason == WaitReasons.AsyncWait);
                if (onFlow is not null)
                {
                    waits.Add(onFlow);
                }
                blockers.Add((Blocker(process, t, onFlow, d), t.Tid));
            }
            ImmutableArray<string> folded = blockers
                .GroupBy(b => b.Key)
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Min(b => b.Tid))
                .Select(g => $"{Threads(g.Select(b => b.Tid).ToList())} {g.Key}")
                .ToImmutableArray();
            yield return PatternCatalogue.ThreadPoolStarvation.Finding(
                ImmutableArray.Create(process.Pid),
                null,
                new ThreadPoolStarvationFacts(d.Process(process.Pid), workers.Count, pool.MaxWorkers, pool.Queued, pool.QueuedWork, folded, waits.Count > 0)) with
            {
                Waits = waits.ToImmutableArray(),
                Certainty = Certainty.Observed,
            };
        }
    }

    /// <summary>
    /// A full bounded channel whose writers wait for a reader flow that is itself stuck sending to a socket whose peer,
    /// another process, does not read: one finding for the chain, its edges in order (writer to reader, reader to peer),
    /// added to the scope's told edges so the peer is not told again on its own.
    /// </summary>
    public static IEnumerable<Finding> Channels(ViewFindingScope scope)
    {
        (Snapshot snapshot, ImmutableArray<WaitEdge> edges, HashSet<WaitEdge> inCycles, Describe d, HashSet<WaitEdge> told) = scope;
        foreach (IGrouping<string?, WaitEdge> channel in edges.Where(e => e.Reason == WaitReasons.AsyncChannel && !inCycles.Contains(e)).GroupBy(e => e.Object))
        {
            WaitEdge full = channel.First();
            WaitEdge? send = edges.FirstOrDefault(e => e.From == full.To && e.Reason == WaitReasons.SendFullSocket && !inCycles.Contains(e));
            if (channel.Key is null || send?.Object is not string id || snapshot.FindSocket(id) is not SocketInfo socket
                || (socket.Peer is string p ? snapshot.FindSocket(p) : null) is not SocketInfo peer
                || snapshot.FindProcess(send.To.Pid) is not ProcessInfo reader
                || reader.Threads.Any(t => WaitEndFinder.Active(t) is not null || (t.Syscall?.Object == peer.Id && t.Syscall.Shape == SyscallShape.FdRead)))
            {
                continue;
            }
            AsyncFlowInfo? writer = DotNetWords.FlowInfo(d, full.From.Pid, full.From.Flow!);
            told.UnionWith(channel);
            told.Add(send);
            yield return PatternCatalogue.ChannelReaderBlocked.Finding(
                ImmutableArray.Create(full.From.Pid, reader.Pid),
                channel.Key,
                new ChannelReaderBlockedFacts(
                    d.Process(full.From.Pid), DotNetWords.Flow(d, full.From.Pid, full.From.Flow!), channel.Select(e => e.From.Flow).Distinct().Count() - 1, channel.Key,
                    writer?.ChannelCount, writer?.ChannelCapacity, DotNetWords.Flow(d, full.To.Pid, full.To.Flow!), full.Evidence[(full.Evidence.IndexOf("taken as its reader: ", StringComparison.Ordinal) + 21)..],
                    new PeerNotReadingFacts.Local("", send.Fd, d.Socket(socket.Id), d.Process(reader.Pid), peer.Holders.FirstOrDefault(h => h.Pid == reader.Pid)?.Fd, peer.Id,
                        peer.RecvQueueBytes, StallFinder.Activity(reader, d), null))) with
            {
                Waits = ImmutableArray.Create(full, send),
                Certainty = Certainty.Inferred,
            };
        }
    }

    /// <summary>
    /// The pool's workers when the pool is starved: work is queued and kept still between the two reads of the heap,
    /// the runtime counts every worker as inside a work item, and every worker /proc shows is blocked with no time
    /// limit and did not move between the samples. Null otherwise.
    /// </summary>
    public static List<ThreadInfo>? Starved(ProcessInfo process)
    {
        if (process.ThreadPool is not { Queued: > 0, Moved: false } pool || pool.Processing < pool.Workers)
        {
            return null;
        }
        List<ThreadInfo> workers = process.Threads.Where(t => t.Name.StartsWith(WorkerName, StringComparison.Ordinal)).ToList();
        if (workers.Count == 0 || workers.Any(t => WaitEndFinder.Active(t) is not null || t.Syscall is null || t.Syscall.Timer is not null || t.State is "T" or "t"))
        {
            return null;
        }
        return workers;
    }

    /// <summary>"block in .Result in Ns.Class.Handle(Int32) on async flow Ns.Class.LoadAsync@0, whose continuation waits in that queue".</summary>
    private static string Blocker(ProcessInfo process, ThreadInfo t, WaitEdge? onFlow, Describe d)
    {
        string call = BlockingCall(t.ManagedStack);
        string? caller = Caller(t.ManagedStack);
        string where = caller is null ? "" : $" in {caller}";
        if (onFlow?.To.Flow is not string flow)
        {
            return t.ManagedStack.IsDefaultOrEmpty ? $"block{where} ({t.Syscall?.Name})" : $"block in {call}{where}";
        }
        AsyncFlowInfo? f = process.AsyncFlows.FirstOrDefault(x => x.Id == flow);
        string queued = f?.Awaits == "thread-pool" ? ", whose continuation waits in that queue" : f is null ? "" : $", which awaits {f.Awaits}{(f.WaitsOn is null ? "" : " " + f.WaitsOn)}";
        return $"block in {call}{where} on {DotNetWords.Flow(d, process.Pid, flow)}{queued}";
    }

    /// <summary>The first frame of the program's own code (not System.*, not Microsoft.*), or null.</summary>
    public static string? Caller(ImmutableArray<string> stack) =>
        stack.FirstOrDefault(f => !f.StartsWith("System.", StringComparison.Ordinal) && !f.StartsWith("Microsoft.", StringComparison.Ordinal));

    /// <summary>The synchronous wait a blocked thread is in, as its caller wrote it: <c>.Result</c>, <c>.Wait()</c>, <c>GetAwaiter().GetResult()</c>, else its frame.</summary>
    public static string BlockingCall(ImmutableArray<string> stack)
    {
        foreach (string frame in stack)
        {
            if (frame.Contains(".GetResultCore(", StringComparison.Ordinal) || frame.Contains(".get_Result(", StringComparison.Ordinal))
            {
                return ".Result";
            }
            if (frame.Contains("Awaiter", StringComparison.Ordinal) && frame.Contains(".GetResult(", StringComparison.Ordinal))
            {
                return "GetAwaiter().GetResult()";
            }
            if (frame.StartsWith("System.Threading.Tasks.Task.WaitAll", StringComparison.Ordinal) || frame.StartsWith("System.Threading.Tasks.Task.WaitAny", StringComparison.Ordinal))
            {
                return frame[..frame.IndexOf('(', StringComparison.Ordinal)].Replace("System.Threading.Tasks.", "", StringComparison.Ordinal);
            }
            if (frame.StartsWith("System.Threading.Tasks.Task.Wait(", StringComparison.Ordinal))
            {
                return ".Wait()";
            }
        }
        return stack.FirstOrDefault(f => !f.StartsWith("System.Threading.Monitor.", StringComparison.Ordinal) && !f.StartsWith("System.Threading.LowLevel", StringComparison.Ordinal))
            ?? "a wait";
    }

    private static string Threads(List<int> tids)
    {
        List<string> ids = tids.Order().Select(t => t.ToString(CultureInfo.InvariantCulture)).ToList();
        return ids.Count == 1 ? $"thread {ids[0]}"
            : ids.Count <= 4 ? $"threads {string.Join(", ", ids.Take(ids.Count - 1))} and {ids[^1]}"
            : $"{ids.Count} threads ({string.Join(", ", ids.Take(3))}, ...)";
    }
}
