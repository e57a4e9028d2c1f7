namespace ProcAudit.Python;

/// <summary>
/// One process's interpreter, located: the binary's facts moved to where the process loaded it. Everything the
/// thread walk needs besides the memory itself.
/// </summary>
/// <param name="Version">The version the binary states (refined from memory for 3.8 to 3.10 by the walk).</param>
/// <param name="Layout">The offsets to read it with.</param>
/// <param name="Runtime">The address of _PyRuntime in the process.</param>
/// <param name="Types">The addresses of the type objects in the process.</param>
/// <param name="VersionText">The address of Py_GetVersion()'s buffer (3.8 to 3.10, when named in .symtab).</param>
/// <param name="TidOffset">Where struct pthread holds the TID (3.8 to 3.10 only: later releases record the TID).</param>
/// <param name="TidNote">Why TIDs cannot be read, when they cannot.</param>
internal sealed record PythonTarget(
    PythonVersion Version,
    PythonLayout Layout,
    ulong Runtime,
    PythonTypes Types,
    ulong? VersionText,
    int? TidOffset,
    string? TidNote);
