using System.Collections.Immutable;
using ProcAudit.Analysis;
using ProcAudit.Kinds;

namespace ProcAudit.Reporting;

/// <summary>A node of the wait-graph picture: a waiting process, thread or goroutine, or an object waited on.</summary>
/// <param name="Id">A generated id (<c>n1</c>, <c>n2</c>): never text from the tree, so no name can break the syntax.</param>
/// <param name="Label">What a person reads; escaped by each renderer.</param>
/// <param name="IsObject">True for a pipe, socket, lock or channel.</param>
/// <param name="Outside">True for a process outside the audited tree.</param>
internal sealed record PictureNode(string Id, string Label, bool IsObject, bool Outside);

/// <summary>An edge of the picture: who waits on what, and what holds its other end.</summary>
/// <param name="From">A node id.</param>
/// <param name="To">A node id.</param>
/// <param name="Label">The wait or the role.</param>
/// <param name="Inferred">Drawn dashed.</param>
/// <param name="Emphasis"><c>cycle</c> (red), <c>chain</c> (a finding's chain) or null.</param>
internal sealed record PictureEdge(string From, string To, string Label, bool Inferred, string? Emphasis);

/// <summary>
/// The wait-for graph as a picture for Mermaid and Graphviz: a node per waiter and per object, each
/// wait drawn through the object it is on, a cycle's edges and a finding's chain emphasised, the
/// processes outside the tree marked. Large graphs are folded: many waiters of one kind on one
/// object become one node, and past <see cref="MaxEdges"/> the rest is counted, so the picture of a
/// 2,000-process tree stays readable (the JSON report keeps every edge).
/// </summary>
internal sealed class WaitPicture
{
    /// <summary>Most waits drawn; the others are counted in a note node.</summary>
    public const int MaxEdges = 60;

    private const int Fold = 8;

    private readonly Report _report;
    private readonly Dictionary<string, PictureNode> _nodes = new();
    private readonly List<PictureEdge> _edges = new();

    private WaitPicture(Report report)
    {
        _report = report;
    }

    public IReadOnlyCollection<PictureNode> Nodes => _nodes.Values;

    public IReadOnlyList<PictureEdge> Edges => _edges;

    /// <summary>Waits that were not drawn (past <see cref="MaxEdges"/>).</summary>
    public int Omitted { get; private set; }

    public static WaitPicture Of(Report report)
    {
        WaitPicture picture = new(report);
        picture.Build();
        return picture;
    }

    private void Build()
    {
        HashSet<WaitEdge> inCycles = _report.Cycles.SelectMany(c => c.Waits).ToHashSet();
        HashSet<WaitEdge> inChains = _report.Findings.SelectMany(f => f.Chain).Where(i => i < _report.Waits.Length).Select(i => _report.Waits[i]).ToHashSet();
        // Many waiters with the same wait on the same object, and nothing else, are one node.
        Dictionary<WaitEnd, int> outDegree = _report.Waits.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Count());
        List<IGrouping<(string Reason, string? Object, Certainty Certainty), WaitEdge>> folds = _report.Waits
            .Where(e => outDegree[e.From] == 1 && !inCycles.Contains(e) && !inChains.Contains(e))
            .GroupBy(e => (e.Reason, e.Object, e.Certainty))
            .Where(g => g.Select(e => e.From).Distinct().Count() > Fold)
            .ToList();
        HashSet<WaitEdge> folded = folds.SelectMany(g => g).ToHashSet();
        int drawn = 0;
        foreach (IGrouping<(string Reason, string? Object, Certainty Certainty), WaitEdge> g in folds)
        {
            List<WaitEnd> waiters = g.Select(e => e.From).Distinct().ToList();
            string label = $"{waiters.Count} waiters: {string.Join(", ", waiters.Take(3).Select(Who))}, ...";
            string group = Node($"group:{g.Key.Reason}:{g.Key.Object}", label, isObject: false, outside: false);
            Draw(group, g.First(), inferred: g.Key.Certainty == Certainty.Inferred, emphasis: null, targets: g.Select(e => e.To).Distinct().ToList());
            drawn++;
        }
        foreach (WaitEdge e in _report.Waits.Where(e => !folded.Contains(e)))
        {
            if (drawn >= MaxEdges)
            {
                Omitted++;
                continue;
            }
            string? emphasis = inCycles.Contains(e) ? "cycle" : inChains.Contains(e) ? "chain" : null;
            Draw(Waiter(e.From), e, e.Certainty == Certainty.Inferred, emphasis, [e.To]);
            drawn++;
        }
        if (Omitted > 0)
        {
            Node("omitted", $"... and {Omitted} more waits (each in the JSON report)", isObject: false, outside: false);
        }
    }

    /// <summary>waiter -> object (the wait) -> the holders of its other end (their role); or straight to the target without an object.</summary>
    private void Draw(string waiter, WaitEdge e, bool inferred, string? emphasis, List<WaitEnd> targets)
    {
        List<string> targetNodes = targets.Count > Fold
            ? [Node($"targets:{e.Object}:{e.Reason}", $"{targets.Count} processes: {string.Join(", ", targets.Take(3).Select(Who))}, ...", isObject: false, outside: false)]
            : targets.Select(Waiter).ToList();
        if (e.Object is not string obj)
        {
            foreach (string t in targetNodes)
            {
                Add(new PictureEdge(waiter, t, Label(e), inferred, emphasis));
            }
            return;
        }
        string objectNode = Node("object:" + obj, ObjectLabel(obj), isObject: true, outside: false);
        Add(new PictureEdge(waiter, objectNode, Label(e), inferred, emphasis));
        foreach (string t in targetNodes)
        {
            Add(new PictureEdge(objectNode, t, Role(e), inferred, emphasis));
        }
    }

    private void Add(PictureEdge edge)
    {
        int same = _edges.FindIndex(x => x.From == edge.From && x.To == edge.To && x.Label == edge.Label);
        if (same < 0)
        {
            _edges.Add(edge);
        }
        else if (edge.Emphasis == "cycle" || (edge.Emphasis is not null && _edges[same].Emphasis is null))
        {
            _edges[same] = edge;
        }
    }

    private string Waiter(WaitEnd end)
    {
        ProcessInfo? p = _report.Processes.FirstOrDefault(x => x.Pid == end.Pid);
        // A process and its main thread are one node: a wait names the thread, the waited-for often only the process.
        int? tid = end.Tid == end.Pid ? null : end.Tid;
        return Node($"end:{end.Pid}/{tid}/{end.Goroutine}/{end.Flow}", Who(end) + (p?.InTree == false ? " (outside the tree)" : ""), isObject: false, outside: p?.InTree == false);
    }

    private string Node(string key, string label, bool isObject, bool outside)
    {
        if (!_nodes.TryGetValue(key, out PictureNode? node))
        {
            _nodes[key] = node = new PictureNode($"n{_nodes.Count + 1}", label, isObject, outside);
        }
        return node.Id;
    }

    private string Who(WaitEnd end) => WaiterName.Of(_report, end).Plain;

    private string ObjectLabel(string id)
    {
        ReportObject? o = _report.Objects.FirstOrDefault(x => x.Id == id);
        if (o is null)
        {
            return id;
        }
        return KindRegistry.ForObject(o.Kind).Label(o);
    }

    private static string Label(WaitEdge e) => e.Reason + (e.Fd is int fd ? $" fd {fd}" : "") + (e.Certainty == Certainty.Inferred ? " (inferred)" : "");

    private static string Role(WaitEdge e) => e.Reason switch
    {
        WaitReasons.GoChanSend => "received by",
        WaitReasons.GoChanRecv => "sent to by",
        _ => KindRegistry.Words(e)?.Role ?? "held by",
    };
}
