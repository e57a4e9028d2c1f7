namespace ProcAudit.DotNet;

/// <summary>What /proc says about a process before any runtime-level look.</summary>
internal enum TargetState
{
    /// <summary>It exists and its maps were readable.</summary>
    Alive,

    /// <summary>No such process (never was, or exited).</summary>
    Gone,

    /// <summary>Exited, not yet reaped: no memory, no threads, no diagnostics port.</summary>
    Zombie,

    /// <summary>Its maps are not ours to read.</summary>
    Denied,
}
