using System.Collections.Immutable;

namespace ProcAudit.Analysis;

/// <summary>Finds the wait cycles: one closed path of edges per strongly connected component of the process graph.</summary>
internal static class CycleFinder
{
    public static List<ImmutableArray<WaitEdge>> Find(ImmutableArray<WaitEdge> edges) =>
        ProcessCycles(edges).Concat(ThreadCycles(edges)).ToList();

    /// <summary>
    /// Cycles among the threads (mutexes, joins), goroutines (Go locks, channels) or async flows (semaphores) of one process: the process
    /// graph cannot see them, since every edge there starts and ends in the same process.
    /// </summary>
    private static List<ImmutableArray<WaitEdge>> ThreadCycles(ImmutableArray<WaitEdge> edges)
    {
        List<ImmutableArray<WaitEdge>> cycles = new();
        foreach (IGrouping<int, WaitEdge> process in edges.Where(e => e.From.Pid == e.To.Pid && Node(e.From) is not null && Node(e.To) is not null).GroupBy(e => e.From.Pid))
        {
            List<WaitEdge> inner = process.ToList();
            // Threads and goroutines are numbered apart: a tid and a goroutine id can be equal.
            Dictionary<(char, long), int> index = new();
            int Index(WaitEnd end)
            {
                (char, long) key = Node(end)!.Value;
                if (!index.TryGetValue(key, out int i))
                {
                    index[key] = i = index.Count;
                }
                return i;
            }
            Dictionary<int, List<int>> graph = new();
            foreach (WaitEdge e in inner)
            {
                int from = Index(e.From);
                if (!graph.TryGetValue(from, out List<int>? targets))
                {
                    graph[from] = targets = new List<int>();
                }
                targets.Add(Index(e.To));
            }
            foreach (List<int> component in StronglyConnected.Components(graph))
            {
                List<int>? path = ShortestCycle(component[0], component.ToHashSet(), graph);
                if (path is not null)
                {
                    cycles.Add(path.Select((n, i) => Best(inner.Where(e => Index(e.From) == n && Index(e.To) == path[(i + 1) % path.Count]))).ToImmutableArray());
                }
            }
        }
        return cycles;
    }

    /// <summary>An async flow, a goroutine or a thread within a process; null for a whole process.</summary>
    private static (char Kind, long Id)? Node(WaitEnd end) =>
        end.Flow is string f ? ('f', FlowAddress(f))
        : end.Goroutine is long g ? ('g', g)
        : end.Tid is int t ? ('t', t)
        : null;

    /// <summary>The box address of <c>flow:PID:0xADDR</c>: unique among the flows of one process.</summary>
    private static long FlowAddress(string id) =>
        unchecked((long)ulong.Parse(id.AsSpan(id.LastIndexOf("0x", StringComparison.Ordinal) + 2), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture));

    private static List<ImmutableArray<WaitEdge>> ProcessCycles(ImmutableArray<WaitEdge> edges)
    {
        Dictionary<int, List<int>> graph = new();
        foreach (WaitEdge e in edges)
        {
            if (e.From.Pid == e.To.Pid)
            {
                continue;
            }
            if (!graph.TryGetValue(e.From.Pid, out List<int>? targets))
            {
                graph[e.From.Pid] = targets = new List<int>();
            }
            if (!targets.Contains(e.To.Pid))
            {
                targets.Add(e.To.Pid);
            }
        }
        List<ImmutableArray<WaitEdge>> cycles = new();
        foreach (List<int> component in StronglyConnected.Components(graph))
        {
            List<int>? path = ShortestCycle(component[0], component.ToHashSet(), graph);
            if (path is null)
            {
                continue;
            }
            ImmutableArray<WaitEdge>.Builder steps = ImmutableArray.CreateBuilder<WaitEdge>();
            for (int i = 0; i < path.Count; i++)
            {
                int from = path[i];
                int to = path[(i + 1) % path.Count];
                steps.Add(Best(edges.Where(e => e.From.Pid == from && e.To.Pid == to)));
            }
            cycles.Add(steps.ToImmutable());
        }
        return cycles;
    }

    /// <summary>Observed before inferred; a thread-level edge before a process-level one.</summary>
    private static WaitEdge Best(IEnumerable<WaitEdge> candidates) =>
        candidates.OrderBy(e => e.Certainty).ThenBy(e => e.From.Tid is null ? 1 : 0).First();

    private static List<int>? ShortestCycle(int start, HashSet<int> within, Dictionary<int, List<int>> graph)
    {
        Dictionary<int, int> parent = new();
        Queue<int> queue = new();
        queue.Enqueue(start);
        HashSet<int> seen = new() { start };
        while (queue.Count > 0)
        {
            int v = queue.Dequeue();
            foreach (int w in graph.TryGetValue(v, out List<int>? ws) ? ws : new List<int>())
            {
                if (w == start)
                {
                    List<int> path = new() { v };
                    while (path[^1] != start)
                    {
                        path.Add(parent[path[^1]]);
                    }
                    path.Reverse();
                    return path;
                }
                if (within.Contains(w) && seen.Add(w))
                {
                    parent[w] = v;
                    queue.Enqueue(w);
                }
            }
        }
        return null;
    }
}
