namespace ProcAudit;

/// <summary>The anticipated ways an audit cannot start; each maps to one documented exit code.</summary>
public enum AuditError
{
    /// <summary>No process has the pid.</summary>
    NoSuchProcess,

    /// <summary>Not Linux, or no procfs at the root.</summary>
    NotSupported,
}

/// <summary>An anticipated failure the user can act on: only its message is shown, never a stack trace.</summary>
public sealed class AuditException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AuditException(AuditError error, string message)
        : base(message)
    {
        Error = error;
    }

    /// <summary>Which failure it is.</summary>
    public AuditError Error { get; }
}
