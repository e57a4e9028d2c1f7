namespace ProcAudit.Python;

/// <summary>A CPython interpreter found mapped in a process, before any of its memory is read.</summary>
/// <param name="Path">The mapped file that carries the runtime (libpythonX.Y.so or a statically linked python executable).</param>
/// <param name="Version">major.minor or major.minor.micro as far as the file tells; null when it does not.</param>
/// <param name="Supported">True when this reader knows the version's layout (3.8 to 3.13) and found <c>_PyRuntime</c>.</param>
/// <param name="Note">Why the threads cannot be read (unsupported version, no <c>_PyRuntime</c>), when they cannot.</param>
public sealed record PythonInterpreter(string Path, string? Version, bool Supported, string? Note);
