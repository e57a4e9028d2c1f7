namespace ProcAudit.Analysis;

/// <summary>Tarjan's strongly connected components over a small directed graph of pids.</summary>
internal static class StronglyConnected
{
    /// <summary>Components of two or more nodes, each as its nodes; self-loops are not cycles here.</summary>
    public static List<List<int>> Components(IReadOnlyDictionary<int, List<int>> graph)
    {
        Dictionary<int, int> index = new();
        Dictionary<int, int> low = new();
        HashSet<int> onStack = new();
        Stack<int> stack = new();
        List<List<int>> result = new();
        int next = 0;

        void Visit(int v)
        {
            index[v] = low[v] = next++;
            stack.Push(v);
            onStack.Add(v);
            foreach (int w in graph.TryGetValue(v, out List<int>? ws) ? ws : new List<int>())
            {
                if (!index.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], index[w]);
                }
            }
            if (low[v] == index[v])
            {
                List<int> component = new();
                int w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    component.Add(w);
                }
                while (w != v);
                if (component.Count > 1)
                {
                    component.Sort();
                    result.Add(component);
                }
            }
        }

        foreach (int v in graph.Keys.Order())
        {
            if (!index.ContainsKey(v))
            {
                Visit(v);
            }
        }
        return result;
    }
}
