using Microsoft.Diagnostics.Runtime;

namespace ProcAudit.DotNet;

/// <summary>
/// The links between pending tasks and frames: for each node the nodes that resume when it completes (outers),
/// for each node the pending tasks that resume it (children), and the blocked-thread events waiting on a node.
/// Links come from two sides, because value-task awaits leave no continuation on a task: the awaited task's
/// continuation, and the box's own awaiter.
/// </summary>
internal sealed class FlowGraph
{
    private FlowGraph()
    {
    }

    public Dictionary<ulong, List<ulong>> Outers { get; } = new Dictionary<ulong, List<ulong>>();

    public Dictionary<ulong, List<ulong>> Children { get; } = new Dictionary<ulong, List<ulong>>();

    public Dictionary<ulong, List<ulong>> Events { get; } = new Dictionary<ulong, List<ulong>>();

    /// <summary>Nodes some other node waits for inside them: not innermost.</summary>
    public HashSet<ulong> HasInner { get; } = new HashSet<ulong>();

    public static FlowGraph Build(AsyncHeapIndex index, Dictionary<ulong, ClrObject> nodes, CancellationToken ct)
    {
        FlowGraph graph = new FlowGraph();
        Func<ulong, bool> isNode = nodes.ContainsKey;
        List<ulong> outers = new List<ulong>();
        List<ulong> events = new List<ulong>();
        int count = 0;
        foreach ((ulong address, ClrObject task) in index.PendingTasks)
        {
            if ((++count & 0x3ff) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            outers.Clear();
            events.Clear();
            ContinuationLinks.Resolve(new FieldReader(task).Object("m_continuationObject"), isNode, outers, events);
            graph.Link(address, outers, events, nodes);
        }

        foreach ((ulong address, ClrObject box) in index.PooledBoxes)
        {
            outers.Clear();
            events.Clear();
            ContinuationLinks.Resolve(new FieldReader(box).Nested("_valueTaskSource").Object("_continuationState"), isNode, outers, events);
            graph.Link(address, outers, events, nodes);
        }

        foreach ((ulong address, ClrObject node) in nodes)
        {
            if (!StateMachines.IsBox(node.Type?.Name))
            {
                continue;
            }

            ClrObject awaited = StateMachines.AwaitedObject(StateMachines.Of(node)).Object;
            if (!awaited.IsNull && awaited.Address != address)
            {
                outers.Clear();
                outers.Add(address);
                events.Clear();
                graph.Link(awaited.Address, outers, events, nodes);
            }
        }

        return graph;
    }

    private void Link(ulong inner, List<ulong> outers, List<ulong> events, Dictionary<ulong, ClrObject> nodes)
    {
        foreach (ulong outer in outers)
        {
            if (outer == inner)
            {
                continue;
            }

            List<ulong> children = Children.TryGetValue(outer, out List<ulong>? list) ? list : Children[outer] = new List<ulong>();
            if (!children.Contains(inner))
            {
                children.Add(inner);
            }

            if (nodes.ContainsKey(inner))
            {
                List<ulong> up = Outers.TryGetValue(inner, out List<ulong>? existing) ? existing : Outers[inner] = new List<ulong>();
                if (!up.Contains(outer))
                {
                    up.Add(outer);
                }

                HasInner.Add(outer);
            }
        }

        if (events.Count > 0)
        {
            List<ulong> waiting = Events.TryGetValue(inner, out List<ulong>? found) ? found : Events[inner] = new List<ulong>();
            waiting.AddRange(events.Where(e => !waiting.Contains(e)));
        }
    }
}
