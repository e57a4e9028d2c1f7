using System.Buffers.Binary;

namespace ProcAudit.Python;

/// <summary>
/// What one interpreter file (libpythonX.Y.so or a statically linked python) tells before any memory is read: the
/// version, the layout to read it with, and the link-time addresses of _PyRuntime and the type objects. Built once
/// per file and kept: the same libpython serves every Python process and every tick of a watch.
/// </summary>
internal sealed record PythonBinary(
    string Path,
    ElfFile Elf,
    PythonVersion? Version,
    PythonLayout? Layout,
    ulong? Runtime,
    PythonTypes? Types,
    ulong? VersionText,
    string? Note)
{
    /// <summary>True when the threads can be read: a known layout, _PyRuntime and the type objects found.</summary>
    public bool Readable => Layout is not null && Runtime is not null && Types is not null && Note is null;

    /// <summary>Reads what <paramref name="elf"/> (mapped from <paramref name="path"/>) says about the interpreter in it.</summary>
    public static PythonBinary Load(string path, ElfFile elf)
    {
        PythonVersion? named = PythonVersion.FromFileName(path);
        ElfSymbol? runtime = elf.Symbol("_PyRuntime");
        if (runtime is null)
        {
            // 2.7 and 3.6 have no _PyRuntime at all: the name is all there is to tell which Python it was.
            string why = named is { Supported: false } version
                ? Unsupported(version)
                : $"{path}: no _PyRuntime among its exported symbols (a stripped static interpreter?): threads not read";
            return new PythonBinary(path, elf, named, null, null, null, null, why);
        }

        PythonVersion? found = named;
        PythonLayout? layout = null;
        string? note = null;
        byte[]? head = elf.ReadAt(runtime.Value.Value, DebugOffsets.Size);
        if (head is not null && DebugOffsets.HasCookie(head))
        {
            // 3.13 on: the runtime states its own version and offsets.
            found = PythonVersion.FromHex(DebugOffsets.VersionHex(head));
            layout = found.Value.Minor == PythonVersion.Newest.Minor && found.Value.Major == 3 ? DebugOffsets.ToLayout(head, out note) : null;
        }
        else if (elf.Symbol("Py_Version") is ElfSymbol pyVersion && elf.ReadAt(pyVersion.Value, 4) is byte[] hex)
        {
            // 3.11 on export PY_VERSION_HEX as Py_Version.
            found = PythonVersion.FromHex(BinaryPrimitives.ReadUInt32LittleEndian(hex));
        }

        if (found is null)
        {
            return new PythonBinary(path, elf, null, null, runtime.Value.Value, null, null,
                $"{path}: the Python version is unknown (no _Py_DebugOffsets, no Py_Version, no version in the file name): threads not read");
        }

        if (!found.Value.Supported)
        {
            return new PythonBinary(path, elf, found, null, runtime.Value.Value, null, null, Unsupported(found.Value));
        }

        layout ??= note is null ? PythonLayouts.ForMinor(found.Value) : null;
        PythonTypes? types = TypeObjects(elf, out string? missing);
        note ??= missing is null ? null : $"{path}: {missing} is not exported: threads not read";

        // 3.8 to 3.10 say their micro release only in Py_GetVersion()'s static buffer, named in .symtab when not stripped.
        ulong? versionText = found.Value.Micro is null ? elf.StaticSymbol("version.0")?.Value : null;
        return new PythonBinary(path, elf, found, layout, runtime.Value.Value, types, versionText, note);
    }

    private static PythonTypes? TypeObjects(ElfFile elf, out string? missing)
    {
        missing = null;
        ulong? code = elf.Symbol("PyCode_Type")?.Value;
        ulong? unicode = elf.Symbol("PyUnicode_Type")?.Value;
        ulong? bytes = elf.Symbol("PyBytes_Type")?.Value;
        ulong? frame = elf.Symbol("PyFrame_Type")?.Value;
        missing = code is null ? "PyCode_Type" : unicode is null ? "PyUnicode_Type" : bytes is null ? "PyBytes_Type" : frame is null ? "PyFrame_Type" : null;
        return missing is null ? new PythonTypes(code!.Value, unicode!.Value, bytes!.Value, frame!.Value) : null;
    }

    private static string Unsupported(PythonVersion version) =>
        $"Python {version}: unsupported version {version} (this reader knows CPython {PythonVersion.Oldest} to {PythonVersion.Newest}): threads not read";
}
