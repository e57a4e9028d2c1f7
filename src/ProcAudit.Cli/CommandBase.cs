using System.Runtime.InteropServices;
using System.Text.Json;
using McMaster.Extensions.CommandLineUtils;

namespace ProcAudit.Cli;

/// <summary>
/// What every verb shares: Ctrl+C and SIGTERM become a cancellation token, an anticipated failure
/// prints one line and its exit code, anything else prints in full.
/// </summary>
internal abstract class CommandBase
{
    // Our own help flag rather than [HelpOption]: CommandLineUtils 2.3.0 pipes that through `less`
    // on a terminal, which leaves a user (or a script under `script`) waiting for 'q'.
    [Option("-h|--help", Description = "Show help information.")]
    public bool ShowHelpText { get; set; }

    protected int OnExecute(CommandLineApplication app, IConsole console)
    {
        if (ShowHelpText)
        {
            app.ShowHelp(usePager: false);
            return ExitCodes.Ok;
        }

        using CancellationTokenSource cts = new();
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; cts.Cancel(); });
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); });
        // A closed stdout (`procaudit scan >&-`) drops the text, as a reader that went away does (.NET
        // ignores EPIPE): the exit code still says what was found, and no write fails with a stack trace.
        TextWriter stdout = StdoutWritable() ? console.Out : TextWriter.Null;
        try
        {
            return Run(app, stdout, console.Error, cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            console.Error.WriteLine("procaudit: interrupted");
            return ExitCodes.Interrupted;
        }
        catch (AuditException e)
        {
            console.Error.WriteLine("procaudit: " + e.Message);
            return ExitCodes.For(e.Error);
        }
        catch (CliException e)
        {
            console.Error.WriteLine("procaudit: " + e.Message);
            return e.ExitCode;
        }
    }

    /// <summary>
    /// Whether fd 1 is open for writing. Started with it closed, the runtime's own first open (a
    /// read-only file) takes fd 1, so "open" is not enough: its fdinfo's access mode tells.
    /// </summary>
    private static bool StdoutWritable()
    {
        try
        {
            string? flags = File.ReadLines("/proc/self/fdinfo/1").FirstOrDefault(l => l.StartsWith("flags:", StringComparison.Ordinal))?[6..].Trim();
            return flags is null || (Convert.ToInt32(flags, 8) & 3) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e is UnauthorizedAccessException; // gone: closed; unreadable (no /proc access): assume it works, as before
        }
    }

    protected abstract int Run(CommandLineApplication app, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken);

    protected static void WriteFile(string path, string content)
    {
        try
        {
            string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (dir is not null)
            {
                Directory.CreateDirectory(dir);
            }
            File.WriteAllText(path, content);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.CannotAudit, $"cannot write {path}: {e.Message}");
        }
    }

    protected static string ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.CannotAudit, $"cannot read {path}: {e.Message}");
        }
    }

    /// <summary>A required argument, checked here rather than by [Required] so that --help works without it.</summary>
    protected static string Required(string? value, string name) =>
        value ?? throw new CliException(ExitCodes.Usage, $"missing the {name} argument (see --help)");

    protected static void ThrowOnBadJson(string path, JsonException e) =>
        throw new CliException(ExitCodes.CannotAudit, $"{path} is not a ProcAudit snapshot: {e.Message.Split('\n')[0]}");
}
