using McMaster.Extensions.CommandLineUtils;
using ProcAudit.Capture;
using ProcAudit.Fixtures;

namespace ProcAudit.Cli;

[Command("record", Description = "Records the /proc files of a tree as a fixture directory (for a bug report or a test); tests audit it again with FixtureTree.",
    ShowInHelpText = false)]
internal sealed class RecordCommand : CommandBase
{
    [Argument(0, "pid", Description = "The process whose tree to record.")]
    public string? Pid { get; set; }

    [Argument(1, "directory", Description = "Where to write the recorded tree.")]
    public string? Directory { get; set; }

    protected override int Run(CommandLineApplication app, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        int pid = AuditCommand.ParsePid(Required(Pid, "pid"));
        string directory = Required(Directory, "directory");
        AuditResult result = FixtureRecorder.Record(pid, directory, cancellationToken);
        stdout.WriteLine($"recorded {result.Snapshot.Processes.Length} processes and {result.Snapshot.Pipes.Length} pipes under {directory}: {result.Analysis.Verdict.ToString().ToLowerInvariant()}");
        return ExitCodes.Ok;
    }
}
