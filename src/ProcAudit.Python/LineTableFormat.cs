namespace ProcAudit.Python;

/// <summary>How a version maps bytecode offsets to lines.</summary>
internal enum LineTableFormat
{
    /// <summary>3.8 and 3.9: co_lnotab, (address delta, line delta) byte pairs; offsets in bytes.</summary>
    Lnotab,

    /// <summary>3.10: co_linetable, (byte length, line delta) ranges (PEP 626); f_lasti counts code units.</summary>
    Ranges,

    /// <summary>3.11 on: the location table (PEP 657), one entry per run of code units.</summary>
    Locations,
}
