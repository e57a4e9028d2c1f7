using System.Collections.Immutable;
using ProcAudit.Capture;
using ProcAudit.Capture.Procfs;

namespace ProcAudit;

/// <summary>
/// The machine's processes, for a person who does not know the pid: by name (<c>-n NAME</c>) or
/// those whose runtime ProcAudit can say more about (<c>procaudit ps</c>). Never lists the calling
/// process itself, kernel threads or zombies.
/// </summary>
public static class MachineProcesses
{
    /// <summary>
    /// Every process that answers to <paramref name="name"/>: its comm, the file name of its
    /// argv[0], or the program a host runs (<c>msbuild</c> for <c>dotnet MSBuild.dll</c>,
    /// <c>build</c> or <c>build.py</c> for <c>python3 build.py</c>), compared without case. In pid order.
    /// </summary>
    public static IReadOnlyList<ProcessEntry> Named(string name, AuditOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new AuditOptions();
        ProcfsReader procfs = new(options.ProcRoot);
        List<ProcessEntry> found = new();
        foreach ((StatRecord stat, ImmutableArray<string> argv, ProcText cmdline) in UserProcesses(procfs, options, cancellationToken))
        {
            if (ProgramNames.Matches(name, stat.Comm, argv))
            {
                found.Add(Entry(procfs, stat, argv, cmdline, options, runtime: null));
            }
        }
        return found;
    }

    /// <summary>Every process whose runtime is recognised (.NET, Go, Python, JVM, Node), with its version where cheap. In pid order.</summary>
    public static IReadOnlyList<ProcessEntry> WithRuntimes(AuditOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new AuditOptions();
        ProcfsReader procfs = new(options.ProcRoot);
        bool live = options.ProcRoot == "/proc";
        List<ProcessEntry> found = new();
        foreach ((StatRecord stat, ImmutableArray<string> argv, ProcText cmdline) in UserProcesses(procfs, options, cancellationToken))
        {
            if (cmdline.Outcome == ReadOutcome.TimedOut)
            {
                continue; // its memory lock is held: maps would block as well
            }
            ProcText maps = procfs.ReadTextBounded($"{stat.Pid}/maps", options.ReadTimeout, 8 << 20);
            DetectedRuntime runtime = RuntimeDetector.Read(procfs, stat.Pid, maps, live);
            if (runtime.Name is not null)
            {
                found.Add(Entry(procfs, stat, argv, cmdline, options, runtime) with { Unreadable = cmdline.Outcome == ReadOutcome.Denied || maps.Outcome == ReadOutcome.Denied });
            }
        }
        return found;
    }

    private static IEnumerable<(StatRecord Stat, ImmutableArray<string> Argv, ProcText Cmdline)> UserProcesses(ProcfsReader procfs, AuditOptions options, CancellationToken cancellationToken)
    {
        int self = Environment.ProcessId;
        foreach (int pid in procfs.ListNumbers("", out _).Order())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (pid == self)
            {
                continue;
            }
            ProcText text = procfs.ReadText($"{pid}/stat");
            if (!text.Ok || StatFile.Parse(text.Text!) is not StatRecord stat || stat.IsKernelThread || stat.State == "Z")
            {
                continue; // gone since listed, a kernel thread, or a zombie: nothing to audit
            }
            ProcText cmdline = procfs.ReadTextBounded($"{pid}/cmdline", options.ReadTimeout, 128 * 1024);
            yield return (stat, cmdline.Ok ? CmdlineFile.Parse(cmdline.Text!) : ImmutableArray<string>.Empty, cmdline);
        }
    }

    private static ProcessEntry Entry(ProcfsReader procfs, StatRecord stat, ImmutableArray<string> argv, ProcText cmdline, AuditOptions options, DetectedRuntime? runtime)
    {
        ProcText status = procfs.ReadText($"{stat.Pid}/status");
        return new ProcessEntry
        {
            Pid = stat.Pid,
            Name = stat.Comm,
            Uid = status.Ok ? StatusFile.Parse(status.Text!).Uid : null,
            Runtime = runtime?.Name,
            RuntimeVersion = runtime?.Version,
            Cmdline = options.Redact ? Redactor.RedactCmdline(argv) : argv,
            Unreadable = cmdline.Outcome == ReadOutcome.Denied,
        };
    }
}
