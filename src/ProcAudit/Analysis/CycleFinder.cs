using System.Collections.Immutable;

namespace ProcAudit.Analysis;

/// <summary>Finds the wait cycles: one closed path of edges per strongly connected component of the process graph.</summary>
internal static class CycleFinder
{
    public static List<ImmutableArray<WaitEdge>> Find(ImmutableArray<WaitEdge> edges) =>
        ProcessCycles(edges).Concat(ThreadCycles(edges)).ToList();

    /// <summary>
    /// Cycles among the threads of one process (mutexes, joins): the process graph cannot see them,
    /// since every edge there starts and ends in the same process.
    /// </summary>
    private static List<ImmutableArray<WaitEdge>> ThreadCycles(ImmutableArray<WaitEdge> edges)
    {
        List<ImmutableArray<WaitEdge>> cycles = new();
        foreach (IGrouping<int, WaitEdge> process in edges.Where(e => e.From.Pid == e.To.Pid && e.From.Tid is not null && e.To.Tid is not null).GroupBy(e => e.From.Pid))
        {
            List<WaitEdge> inner = process.ToList();
            Dictionary<int, List<int>> graph = new();
            foreach (WaitEdge e in inner)
            {
                if (!graph.TryGetValue(e.From.Tid!.Value, out List<int>? targets))
                {
                    graph[e.From.Tid!.Value] = targets = new List<int>();
                }
                targets.Add(e.To.Tid!.Value);
            }
            foreach (List<int> component in StronglyConnected.Components(graph))
            {
                List<int>? path = ShortestCycle(component[0], component.ToHashSet(), graph);
                if (path is not null)
                {
                    cycles.Add(path.Select((tid, i) => Best(inner.Where(e => e.From.Tid == tid && e.To.Tid == path[(i + 1) % path.Count]))).ToImmutableArray());
                }
            }
        }
        return cycles;
    }

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
