namespace ProcAudit.Cli;

/// <summary>An error the user can fix: its message is printed alone, on one line, with its exit code.</summary>
internal sealed class CliException : Exception
{
    public CliException(int exitCode, string message)
        : base(message)
    {
        ExitCode = exitCode;
    }

    public int ExitCode { get; }
}
