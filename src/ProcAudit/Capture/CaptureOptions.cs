namespace ProcAudit.Capture;

/// <summary>
/// The limits a capture keeps, taken from the audit's options by its caller, so that capture does
/// not depend on the auditor above it.
/// </summary>
/// <param name="Deadline">The whole capture's time limit: past it, what is left is skipped with a note.</param>
/// <param name="ReadTimeout">Limit for one read that can block in the kernel (cmdline, maps).</param>
/// <param name="Redact">Redact secrets in command lines.</param>
/// <param name="Lean">
/// A scan's capture, which only needs what the analysis reads: no kernel stacks (shown in a
/// report, never followed), a thread's wchan only where the analysis decides by it (an open that
/// may wait for a FIFO's other side), and fdinfo only for the kinds whose fdinfo the analysis uses (a pipe's
/// access mode, an epoll set's watches, an eventfd's counter, a file's locks).
/// </param>
internal sealed record CaptureOptions(TimeSpan Deadline, TimeSpan ReadTimeout, bool Redact, bool Lean = false);
