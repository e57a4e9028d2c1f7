using ProcAudit.Analysis;

namespace ProcAudit.Reporting;

/// <summary>
/// The waits of a report as the text shows them: a thread that waits on one object for many
/// processes (a pipe that 2,000 children hold open) is one line naming a few of them, not one
/// line per holder. The JSON report keeps every edge.
/// </summary>
internal static class WaitGroups
{
    /// <summary>How many processes a grouped wait names; the rest are counted.</summary>
    public const int Named = 8;

    /// <summary>
    /// The waits in report order, one per group; the edges of one thread for one reason on one object
    /// form a group only when there are more than <see cref="Named"/> of them, so short lists read as before.
    /// </summary>
    public static List<List<WaitEdge>> Of(IReadOnlyList<WaitEdge> waits)
    {
        Dictionary<(WaitEnd, string, string?, Certainty), List<WaitEdge>> byKey = new();
        foreach (WaitEdge e in waits)
        {
            if (!byKey.TryGetValue(Key(e), out List<WaitEdge>? list))
            {
                byKey[Key(e)] = list = new List<WaitEdge>();
            }
            list.Add(e);
        }
        List<List<WaitEdge>> groups = new();
        foreach (WaitEdge e in waits)
        {
            List<WaitEdge> group = byKey[Key(e)];
            if (group.Count <= Named)
            {
                groups.Add(new List<WaitEdge> { e });
            }
            else if (ReferenceEquals(group[0], e))
            {
                groups.Add(group);
            }
        }
        return groups;
    }

    private static (WaitEnd, string, string?, Certainty) Key(WaitEdge e) => (e.From, e.Reason, e.Object, e.Certainty);
}
