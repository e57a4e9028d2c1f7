using System.Collections.Immutable;
using System.Diagnostics;
using ProcAudit.Go;

namespace ProcAudit.Python;

/// <summary>
/// Lists a CPython process's threads with their Python stacks by reading /proc/PID/maps, the mapped interpreter
/// files and /proc/PID/mem only: the process is never attached, stopped, signalled or written to. CPython 3.8 to
/// 3.13 (default GIL builds, x86-64, glibc); other versions give a note naming them.
/// </summary>
public static class PythonReader
{
    /// <summary>
    /// The CPython interpreter <paramref name="pid"/> maps, or null when it maps none (or cannot be looked at).
    /// Cheap: /proc/PID/maps and the interpreter file's headers and symbols, which are kept between calls.
    /// </summary>
    public static PythonInterpreter? Detect(int pid)
    {
        IReadOnlyList<MappedFile>? maps = ProcessMaps.Read(pid, out _);
        (MappedFile Mapping, PythonBinary Binary)? found = maps is null ? null : PythonLocator.Find(pid, maps, new List<string>());
        if (found is not (_, PythonBinary binary))
        {
            return null;
        }

        return new PythonInterpreter(binary.Path, binary.Version?.ToString(), binary.Readable, binary.Note);
    }

    /// <summary>
    /// Reads every Python thread of <paramref name="pid"/> within <paramref name="budget"/>. Expected failures (not
    /// Python, gone, denied, unsupported version, torn or unreadable memory) become notes, never exceptions.
    /// </summary>
    /// <param name="pid">The process.</param>
    /// <param name="budget">The time the read may take; threads not reached by then are left out, with a note.</param>
    /// <param name="cancellationToken">Stops the read between two threads, with a note.</param>
    public static PythonProcessView Read(int pid, TimeSpan budget, CancellationToken cancellationToken = default) =>
        Read(pid, budget, new Dictionary<int, ulong>(), cancellationToken);

    /// <summary>
    /// As <see cref="Read(int, TimeSpan, CancellationToken)"/>, and tells what each thread sleeping in futex waits
    /// for: the GIL, or a threading lock (with an RLock's owner, and the threads inside a <c>with</c> block of it).
    /// </summary>
    /// <param name="pid">The process.</param>
    /// <param name="budget">The time the read may take.</param>
    /// <param name="futexWaits">The threads blocked in futex, by TID, with the futex address (the call's first argument).</param>
    /// <param name="cancellationToken">Stops the read between two threads, with a note.</param>
    public static PythonProcessView Read(int pid, TimeSpan budget, IReadOnlyDictionary<int, ulong> futexWaits, CancellationToken cancellationToken = default)
    {
        Stopwatch clock = Stopwatch.StartNew();
        List<string> notes = new List<string>();
        IReadOnlyList<MappedFile>? maps = ProcessMaps.Read(pid, out string? mapsError);
        if (maps is null)
        {
            notes.Add(mapsError!);
            return Empty(pid, null, notes, clock);
        }

        (MappedFile Mapping, PythonBinary Binary)? found = PythonLocator.Find(pid, maps, notes);
        if (found is not (MappedFile mapping, PythonBinary binary))
        {
            notes.Add($"process {pid} maps no CPython interpreter (no libpython, no python executable)");
            return Empty(pid, null, notes, clock);
        }

        PythonTarget? target = PythonLocator.Target(pid, maps, mapping, binary, notes);
        if (target is null)
        {
            return Empty(pid, binary.Version?.ToString(), notes, clock);
        }

        ProcessMemory? memory = ProcessMemory.TryOpen(pid, out string? error);
        if (memory is null)
        {
            notes.Add(error!);
            return Empty(pid, target.Version.ToString(), notes, clock);
        }

        using (memory)
        {
            PythonVersion version = ThreadWalker.Refine(target, memory);
            ImmutableArray<PythonThread> threads = ThreadWalker.ReadFrom(target, memory, futexWaits, clock, budget, cancellationToken, notes);
            return new PythonProcessView(pid, version.ToString(), threads, notes.ToImmutableArray(), clock.Elapsed, memory.Reads, memory.BytesRead);
        }
    }

    private static PythonProcessView Empty(int pid, string? version, List<string> notes, Stopwatch clock) =>
        new(pid, version, ImmutableArray<PythonThread>.Empty, notes.ToImmutableArray(), clock.Elapsed, 0, 0);
}
