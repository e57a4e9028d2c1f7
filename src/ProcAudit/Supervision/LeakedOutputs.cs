using System.Collections.Immutable;
using System.Globalization;
using ProcAudit.Capture;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Supervision;

/// <summary>Who holds the write end of a supervised command's output after the command has exited, in one sentence.</summary>
internal static class LeakedOutputs
{
    public static LeakedOutput? Find(OutputPump pump, TimeSpan since)
    {
        ProcfsReader procfs = new();
        int self = Environment.ProcessId;
        List<(string Stream, string Pipe, ImmutableArray<PipeHolder> Writers)> held = new();
        foreach ((int fd, string stream) in pump.OpenDescriptors)
        {
            PipeHolders? holders = PipeHolderFinder.Find(procfs, self, fd);
            ImmutableArray<PipeHolder> writers = holders?.Writers.Where(w => w.Pid != self).ToImmutableArray() ?? ImmutableArray<PipeHolder>.Empty;
            if (!writers.IsEmpty)
            {
                held.Add((stream, holders!.PipeId, writers));
            }
        }
        return held.Count == 0 ? null : new LeakedOutput(since, held.ToImmutableArray(), Summary(held, since));
    }

    private static string Summary(List<(string Stream, string Pipe, ImmutableArray<PipeHolder> Writers)> held, TimeSpan since)
    {
        PipeHolder first = held[0].Writers[0];
        string command = first.Cmdline.IsDefaultOrEmpty ? first.Name : string.Join(' ', first.Cmdline);
        string orphan = first.PPid == 1 ? ", an orphan now parented by pid 1," : "";
        string streams = string.Join(" and ", held.Select(h => $"{h.Stream} ({h.Pipe})"));
        List<string> firstFds = held.SelectMany(h => h.Writers).Where(w => w.Pid == first.Pid).Select(w => w.Fd.ToString(CultureInfo.InvariantCulture)).Distinct().ToList();
        string fds = (firstFds.Count == 1 ? "fd " : "fds ") + string.Join(" and ", firstFds);
        List<string> others = held.SelectMany(h => h.Writers).Where(w => w.Pid != first.Pid).Select(w => $"{w.Name} {w.Pid}").Distinct().ToList();
        string also = others.Count > 0 ? $" Also holding it: {string.Join(", ", others)}." : "";
        return $"The command exited {since.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s ago, but its {streams} {(held.Count == 1 ? "is" : "are")} still held open by " +
            $"{first.Name} {first.Pid} (`{command}`){orphan} through its {fds}, so the output never ends and the wait for it lasts until that process exits or closes it.{also} " +
            "Start background processes with their output redirected (e.g. `cmd >/dev/null 2>&1 &`).";
    }
}
