using System.Collections.Immutable;
using ProcAudit.Capture.Procfs;

namespace ProcAudit.Capture;

/// <summary>
/// Answers one narrow question fast: who, anywhere on the machine, holds the pipe a process holds
/// as a given fd. What a build task asks when its command has exited and EOF still does not come.
/// </summary>
internal static class PipeHolderFinder
{
    public static PipeHolders? Find(ProcfsReader procfs, int pid, int fd)
    {
        ProcText link = procfs.ReadLink($"{pid}/fd/{fd}");
        if (!link.Ok || FdLink.Classify(link.Text!) is not { Kind: "pipe", Inode: ulong inode })
        {
            return null;
        }
        HashSet<ulong> wanted = new() { inode };
        ImmutableArray<PipeHolder>.Builder holders = ImmutableArray.CreateBuilder<PipeHolder>();
        foreach (int candidate in procfs.ListNumbers("", out _))
        {
            List<FdLinkEntry> links = FdScan.Links(procfs, candidate);
            if (!FdScan.HoldsAny(links, wanted))
            {
                continue;
            }
            ProcText stat = procfs.ReadText($"{candidate}/stat");
            ProcText cmdline = procfs.ReadTextBounded($"{candidate}/cmdline", TimeSpan.FromSeconds(1), limit: 128 * 1024);
            StatRecord? s = stat.Ok ? StatFile.Parse(stat.Text!) : null;
            ImmutableArray<string> args = cmdline.Ok ? Redactor.RedactCmdline(CmdlineFile.Parse(cmdline.Text!)) : ImmutableArray<string>.Empty;
            foreach (FdLinkEntry l in links.Where(l => l.Target == link.Text))
            {
                ProcText info = procfs.ReadText($"{candidate}/fdinfo/{l.Fd}");
                string role = (info.Ok ? FdInfoFile.Parse(info.Text!)?.Access : null) switch
                {
                    "read" => "reader",
                    "write" => "writer",
                    _ => "unknown",
                };
                holders.Add(new PipeHolder(candidate, l.Fd, role, s?.Comm ?? "?", s?.PPid ?? 0, args));
            }
        }
        return new PipeHolders(link.Text!, holders.ToImmutable());
    }
}
