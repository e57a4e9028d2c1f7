using System.Globalization;
using System.Text;

namespace ProcAudit.Cli;

/// <summary>
/// The process a verb is about, given as a positional pid, <c>-p|--process-id PID</c> or
/// <c>-n|--name NAME</c> (like dotnet-trace and dotnet-counters): exactly one of them. A name must
/// match exactly one process; several are listed (exit 1), none exits 4.
/// </summary>
internal static class TargetProcess
{
    public static int? Resolve(string? positional, string? processId, string? name, bool redact, CancellationToken cancellationToken)
    {
        int given = (positional is null ? 0 : 1) + (processId is null ? 0 : 1) + (name is null ? 0 : 1);
        if (given == 0)
        {
            return null;
        }
        if (given > 1)
        {
            throw new CliException(ExitCodes.Usage, "give the process once: a pid, -p PID or -n NAME");
        }
        if (name is null)
        {
            return AuditCommand.ParsePid(positional ?? processId!);
        }
        if (name.Length == 0)
        {
            throw new CliException(ExitCodes.Usage, "-n needs a process name, e.g. -n msbuild");
        }
        IReadOnlyList<ProcessEntry> found = MachineProcesses.Named(name, new AuditOptions { Redact = redact }, cancellationToken);
        return found.Count switch
        {
            0 => throw new CliException(ExitCodes.NoSuchProcess, $"no process is named '{Terminal.Safe(name)}' (matched against comm, the program of argv[0] and the script or .dll a host runs; 'procaudit ps' lists .NET, Go and Python processes)"),
            1 => found[0].Pid,
            _ => throw new CliException(ExitCodes.Usage, Ambiguous(name, found)),
        };
    }

    private static string Ambiguous(string name, IReadOnlyList<ProcessEntry> found)
    {
        StringBuilder text = new();
        text.Append(CultureInfo.InvariantCulture, $"{found.Count} processes are named '{Terminal.Safe(name)}': give one with -p PID");
        int width = found.Max(p => p.Pid.ToString(CultureInfo.InvariantCulture).Length);
        foreach (ProcessEntry p in found)
        {
            text.Append('\n').Append(CultureInfo.InvariantCulture, $"  {p.Pid.ToString(CultureInfo.InvariantCulture).PadLeft(width)}  {Terminal.Line(p.Name)}  {Terminal.Command(p.Cmdline, p.Unreadable)}");
        }
        return text.ToString();
    }
}
