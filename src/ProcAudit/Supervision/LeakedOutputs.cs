using System.Collections.Immutable;
using System.Globalization;
using ProcAudit.Analysis;
using ProcAudit.Analysis.Patterns;
using ProcAudit.Capture;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Supervision;

/// <summary>
/// Who holds the write end of a supervised command's output after the command has exited, in one sentence: the
/// <see cref="PatternCatalogue.LeakedWriteEnd"/> sentence an audit gives a reader waiting for the same EOF.
/// </summary>
internal static class LeakedOutputs
{
    public static LeakedOutput? Find(OutputPump pump, TimeSpan since)
    {
        ProcfsReader procfs = new();
        int self = Environment.ProcessId;
        List<Held> held = new();
        PipeHolder? us = null;
        foreach ((int fd, string stream) in pump.OpenDescriptors)
        {
            PipeHolders? holders = PipeHolderFinder.Find(procfs, self, fd);
            ImmutableArray<PipeHolder> writers = holders?.Writers.Where(w => w.Pid != self).ToImmutableArray() ?? ImmutableArray<PipeHolder>.Empty;
            if (!writers.IsEmpty)
            {
                us ??= holders!.Holders.FirstOrDefault(h => h.Pid == self);
                held.Add(new Held(stream, fd, holders!.PipeId, writers));
            }
        }
        if (held.Count == 0)
        {
            return null;
        }
        string waiter = us is null ? $"process {self}" : $"{Describe.DisplayName(us.Name, us.Cmdline)} {self}";
        return new LeakedOutput(since, held.Select(h => (h.Stream, h.Pipe, h.Writers)).ToImmutableArray(), Summary(waiter, held, since));
    }

    private static string Summary(string waiter, List<Held> held, TimeSpan since)
    {
        PipeHolder first = held[0].Writers[0];
        OrphanOf orphan = first.PPid == 1 ? OrphanOf.Init : first.PPid == Environment.ProcessId ? OrphanOf.Supervisor : OrphanOf.None;
        ImmutableArray<int?> fds = held.SelectMany(h => h.Writers).Where(w => w.Pid == first.Pid).Select(w => (int?)w.Fd).Distinct().ToImmutableArray();
        int others = held.SelectMany(h => h.Writers).Select(w => w.Pid).Where(pid => pid != first.Pid).Distinct().Count();
        LeakedWriteEndFacts.HeldElsewhere facts = new(
            waiter,
            held.Select(h => new PipeSide(h.Stream, h.Fd, h.Pipe, Fill(h))).ToImmutableArray(),
            new WriteEndHolder($"{Describe.DisplayName(first.Name, first.Cmdline)} {first.Pid}", first.Name, first.Pid, Describe.Command(first.Name, first.Cmdline),
                orphan, first.PPid, OutsideTree: false, fds),
            others,
            Inferred: null);
        return $"The command exited {since.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s ago: " +
            $"{PatternCatalogue.LeakedWriteEnd.Summary(facts)} Fix: {PatternCatalogue.LeakedWriteEnd.Fix(facts)}";
    }

    /// <summary>How full our end of the pipe is (FIONREAD: nothing is read).</summary>
    private static string Fill(Held h)
    {
        if (FdLink.Classify(h.Pipe) is not { Inode: ulong inode })
        {
            return Describe.Fill(null, null, full: false);
        }
        PipeLevel level = new LivePipeProbe().Probe(Environment.ProcessId, h.Fd, inode);
        return Describe.Fill(level.QueuedBytes, level.CapacityBytes, full: false);
    }

    /// <summary>One of the command's streams whose write end someone still holds: our descriptor of it and the writers.</summary>
    private sealed record Held(string Stream, int Fd, string Pipe, ImmutableArray<PipeHolder> Writers);
}
