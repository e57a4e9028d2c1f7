using System.Collections.Immutable;

namespace ProcAudit.Python;

/// <summary>The Python threads of one process, read once from its memory, with notes on whatever could not be read.</summary>
/// <param name="Pid">The process read.</param>
/// <param name="Version">
/// The interpreter's version: major.minor.micro (e.g. "3.11.7") where the binary or the running interpreter says it,
/// major.minor (from the library's name) otherwise; null when the process runs no CPython this reader recognises.
/// </param>
/// <param name="Threads">Every thread state of every interpreter, in the runtime's order (newest first).</param>
/// <param name="Notes">What failed, was cut short or is unsupported; empty when everything was read.</param>
/// <param name="Elapsed">Time the read took.</param>
/// <param name="MemoryReads">Number of reads of /proc/PID/mem.</param>
/// <param name="BytesRead">Bytes read from /proc/PID/mem.</param>
public sealed record PythonProcessView(
    int Pid,
    string? Version,
    ImmutableArray<PythonThread> Threads,
    ImmutableArray<string> Notes,
    TimeSpan Elapsed,
    int MemoryReads,
    long BytesRead);
