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
        if (!link.Ok || FdLink.Classify(link.Text!) is not { Kind: FdKind.Pipe, Inode: ulong inode })
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
            (StatRecord? s, ImmutableArray<string> args) = Identity(procfs, candidate);
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

    /// <summary>
    /// Name and command line of one program: read between two stats, and once more when it exec'd in between,
    /// so a holder is never named with one program's comm and another's command line.
    /// </summary>
    private static (StatRecord? Stat, ImmutableArray<string> Args) Identity(ProcfsReader procfs, int pid)
    {
        for (int attempt = 0; ; attempt++)
        {
            StatRecord? before = Stat(procfs, pid);
            ProcText cmdline = procfs.ReadTextBounded($"{pid}/cmdline", TimeSpan.FromSeconds(1), limit: 128 * 1024);
            ImmutableArray<string> args = cmdline.Ok ? Redactor.RedactCmdline(CmdlineFile.Parse(cmdline.Text!)) : ImmutableArray<string>.Empty;
            StatRecord? after = Stat(procfs, pid);
            if (before is null || ImageCheck.Compare(before, after) != ImageChange.Execed)
            {
                return (before, args);
            }
            if (attempt == 1)
            {
                // It keeps exec'ing: name it by its latest stat, without a command line that may not be its own.
                return (after, ImmutableArray<string>.Empty);
            }
        }
    }

    private static StatRecord? Stat(ProcfsReader procfs, int pid)
    {
        ProcText stat = procfs.ReadText($"{pid}/stat");
        return stat.Ok ? StatFile.Parse(stat.Text!) : null;
    }
}
