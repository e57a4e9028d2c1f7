namespace ProcAudit.Python;

/// <summary>Finds the CPython runtime a process maps, and where, from /proc/PID/maps and the mapped files only.</summary>
internal static class PythonLocator
{
    /// <summary>
    /// The mapped interpreter file that carries the runtime (the one defining _PyRuntime, else any python-named one);
    /// null when the process maps none. Files that cannot be read add notes.
    /// </summary>
    public static (MappedFile Mapping, PythonBinary Binary)? Find(int pid, IReadOnlyList<MappedFile> maps, List<string> notes)
    {
        (MappedFile Mapping, PythonBinary Binary)? best = null;
        List<string> errors = new List<string>();
        foreach (MappedFile mapping in maps.Where(m => IsInterpreterName(m.Path)))
        {
            PythonBinary? binary = MappedFiles.Load(pid, mapping, nameof(PythonBinary), PythonBinary.Load, out string? error);
            if (binary is null)
            {
                errors.Add(error!);
                continue;
            }

            // A shared build's `python3.X` executable only links libpython, which holds the runtime.
            if (best is null || (best.Value.Binary.Runtime is null && binary.Runtime is not null))
            {
                best = (mapping, binary);
            }
        }

        if (best?.Binary.Runtime is null)
        {
            notes.AddRange(errors);
        }

        return best;
    }

    /// <summary>
    /// Moves <paramref name="binary"/>'s facts to where <paramref name="mapping"/> put it, with glibc's TID offset
    /// when the version needs it; null with a note when the interpreter cannot be read.
    /// </summary>
    public static PythonTarget? Target(int pid, IReadOnlyList<MappedFile> maps, MappedFile mapping, PythonBinary binary, List<string> notes)
    {
        if (!binary.Readable)
        {
            notes.Add(binary.Note ?? $"{binary.Path}: not readable");
            return null;
        }

        ulong? bias = binary.Elf.LoadBias(mapping);
        if (bias is null)
        {
            notes.Add($"{binary.Path}: its mapping at offset 0x{mapping.Offset:x} is not in any PT_LOAD segment: threads not read");
            return null;
        }

        int? tidOffset = null;
        string? tidNote = null;
        if (binary.Layout!.TstateNativeThreadId < 0)
        {
            MappedFile? libc = maps.FirstOrDefault(m => Path.GetFileName(m.Path).StartsWith("libc.so", StringComparison.Ordinal));
            GlibcThreads? threads = libc is null ? null : MappedFiles.Load(pid, libc, nameof(GlibcThreads), GlibcThreads.Load, out tidNote);
            tidOffset = threads?.TidOffset;
            tidNote = threads?.Note ?? tidNote ?? (libc is null ? "no glibc (libc.so.6) mapped: kernel thread ids not read" : null);
        }

        return new PythonTarget(
            binary.Version!.Value,
            binary.Layout,
            binary.Runtime!.Value + bias.Value,
            binary.Types!.Relocated(bias.Value),
            binary.VersionText + bias.Value,
            tidOffset,
            tidNote);
    }

    /// <summary>libpythonX.Y.so…, pythonX.Y, python3: the names CPython's builds give the files that can hold the runtime.</summary>
    private static bool IsInterpreterName(string path)
    {
        string name = Path.GetFileName(path);
        return name.StartsWith("python", StringComparison.Ordinal) || name.StartsWith("libpython", StringComparison.Ordinal);
    }
}
