using ProcAudit.Capture.Procfs;

namespace ProcAudit.Capture;

/// <summary>
/// Finds the audited tree: the root and its descendants, breadth first, each one's children in pid
/// order, with the stat of each. Where the kernel has /proc/PID/task/TID/children, only the tree's
/// own processes are read; otherwise (no CONFIG_PROC_CHILDREN) every process's stat is read once
/// and the tree follows the parent pids in them.
/// </summary>
internal sealed class ProcessTreeFinder
{
    private readonly ProcfsReader _procfs;
    private readonly List<Note> _notes;
    private readonly bool _childrenFiles;

    /// <summary>Every stat read so far, by pid: the tree's, or the whole machine's on the fallback path.</summary>
    private readonly Dictionary<int, StatRecord> _stats = new();

    /// <summary>Children by parent pid, from every stat; only on the fallback path.</summary>
    private readonly Dictionary<int, List<int>>? _childrenByParent;

    /// <summary>True when <see cref="_stats"/> holds every process there was (read all at once): an unknown pid is gone.</summary>
    private readonly bool _allRead;

    public ProcessTreeFinder(ProcfsReader procfs, int root, List<Note> notes)
    {
        _procfs = procfs;
        _notes = notes;
        _childrenFiles = procfs.ReadText($"{root}/task/{root}/children").Ok;
        if (!_childrenFiles)
        {
            _childrenByParent = ReadAllStats(root);
            _allRead = true;
        }
        else
        {
            Stat(root, isRoot: true);
        }
    }

    /// <summary>
    /// A finder that takes every process's parent and stat from a look at the machine just taken (a
    /// scan's), instead of reading each tree's children files and stats again: three files per process
    /// of a 16x machine. A process the look did not see is read when asked for.
    /// </summary>
    public ProcessTreeFinder(ProcfsReader procfs, IReadOnlyDictionary<int, SampledProcess> looked, List<Note> notes)
    {
        _procfs = procfs;
        _notes = notes;
        _childrenByParent = new Dictionary<int, List<int>>();
        foreach ((int pid, SampledProcess sampled) in looked.OrderBy(kv => kv.Key))
        {
            StatRecord stat = sampled.Stat;
            _stats[pid] = stat;
            if (!_childrenByParent.TryGetValue(stat.PPid, out List<int>? list))
            {
                _childrenByParent[stat.PPid] = list = new List<int>();
            }
            list.Add(pid);
        }
    }

    /// <summary>The stat of <paramref name="pid"/>, read now if not yet; null when it has gone or cannot be parsed.</summary>
    public StatRecord? Stat(int pid) => Stat(pid, isRoot: false);

    /// <summary>
    /// The pids a machine-wide holder scan looks at: every process but the kernel threads known as
    /// such (where only the tree's stats were read, the others are listed too: they hold no fds).
    /// </summary>
    public IEnumerable<int> Machine() =>
        (_allRead ? _stats.Keys.ToList() : _procfs.ListNumbers("", out _))
            .Where(pid => !(_stats.TryGetValue(pid, out StatRecord? s) && s.IsKernelThread));

    /// <summary>The tree under <paramref name="root"/>: it first, then its descendants breadth first.</summary>
    public List<int> TreeUnder(int root)
    {
        List<int> order = new() { root };
        HashSet<int> seen = new() { root };
        for (int i = 0; i < order.Count; i++)
        {
            order.AddRange(ChildrenOf(order[i]).Where(seen.Add));
        }
        return order;
    }

    /// <summary>The live children of <paramref name="pid"/> whose stat could be read, in pid order.</summary>
    public List<int> ChildrenOf(int pid)
    {
        IEnumerable<int> kids = _childrenByParent is not null
            ? _childrenByParent.GetValueOrDefault(pid) ?? new List<int>()
            : FromChildrenFiles(pid);
        return kids.Distinct().Where(k => Stat(k) is not null).Order().ToList();
    }

    /// <summary>A process with no threads has forked nobody; a thread's children file lists only the children it forked.</summary>
    private List<int> FromChildrenFiles(int pid)
    {
        List<int> kids = new();
        foreach (int tid in _procfs.ListNumbers($"{pid}/task", out _))
        {
            ProcText text = _procfs.ReadText($"{pid}/task/{tid}/children");
            if (text.Ok)
            {
                kids.AddRange(ChildrenFile.Parse(text.Text!));
            }
        }
        return kids;
    }

    private StatRecord? Stat(int pid, bool isRoot)
    {
        if (_stats.TryGetValue(pid, out StatRecord? known))
        {
            return known;
        }
        if (_allRead)
        {
            return null; // every stat there was has been read
        }
        StatRecord? stat = ReadStat(pid, isRoot);
        if (stat is not null)
        {
            _stats[pid] = stat;
        }
        return stat;
    }

    private StatRecord? ReadStat(int pid, bool isRoot)
    {
        ProcText text = _procfs.ReadText($"{pid}/stat");
        if (text.Ok && StatFile.Parse(text.Text!) is StatRecord stat)
        {
            return stat;
        }
        if (isRoot && text.Ok)
        {
            _notes.Add(new Note("unreadable", $"/proc/{pid}/stat has a shape ProcAudit does not know", pid, $"{pid}/stat"));
        }
        return null;
    }

    private Dictionary<int, List<int>> ReadAllStats(int root)
    {
        Dictionary<int, List<int>> children = new();
        foreach (int pid in _procfs.ListNumbers("", out _))
        {
            if (ReadStat(pid, pid == root) is not StatRecord stat)
            {
                continue;
            }
            _stats[pid] = stat;
            if (pid == root)
            {
                continue; // the tree starts at the root: it is nobody's child here
            }
            if (!children.TryGetValue(stat.PPid, out List<int>? list))
            {
                children[stat.PPid] = list = new List<int>();
            }
            list.Add(pid);
        }
        return children;
    }
}
