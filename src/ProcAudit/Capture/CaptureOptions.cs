namespace ProcAudit.Capture;

/// <summary>
/// The limits a capture keeps, taken from the audit's options by its caller, so that capture does
/// not depend on the auditor above it.
/// </summary>
/// <param name="Deadline">The whole capture's time limit: past it, what is left is skipped with a note.</param>
/// <param name="ReadTimeout">Limit for one read that can block in the kernel (cmdline, maps).</param>
/// <param name="Redact">Redact secrets in command lines.</param>
internal sealed record CaptureOptions(TimeSpan Deadline, TimeSpan ReadTimeout, bool Redact);
