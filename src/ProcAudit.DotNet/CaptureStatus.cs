namespace ProcAudit.DotNet;

/// <summary>How far a runtime-level capture of one process got; anything short of <see cref="Captured"/> comes with notes saying why.</summary>
public enum CaptureStatus
{
    /// <summary>The runtime answered and the view is complete (notes may still mention details it could not resolve).</summary>
    Captured,

    /// <summary>The process does not run on CoreCLR (no <c>libcoreclr.so</c> mapped and no diagnostics port): there is no managed view to take.</summary>
    NotDotNet,

    /// <summary>The process does not exist, exited during the capture, or is a zombie.</summary>
    Gone,

    /// <summary>Permission kept us out (another user's process, or no CAP_SYS_PTRACE for its memory).</summary>
    Denied,

    /// <summary>It is .NET, but the needed channel is missing: diagnostics port disabled or not found, DAC absent or unusable.</summary>
    Unavailable,

    /// <summary>The time budget ran out before the runtime answered; whatever was under way was abandoned.</summary>
    TimedOut,

    /// <summary>Something unexpected failed; the note carries the exception.</summary>
    Failed,
}
