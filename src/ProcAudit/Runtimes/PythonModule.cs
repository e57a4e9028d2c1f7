using System.Text.RegularExpressions;
using ProcAudit.Analysis;
using ProcAudit.Kinds;
using ProcAudit.Reporting;

namespace ProcAudit.Runtimes;

/// <summary>
/// The Python view: each thread's Python stack, read from the interpreter's memory. It adds no edges (the kernel
/// view already has the waits); it says where the script's own line waits, in sentences and under each thread.
/// </summary>
internal sealed partial class PythonModule : RuntimeViewModule
{
    public override string Runtime => RuntimeNames.Python;

    /// <summary>Threads waiting for a threading lock or the GIL, to the holder the interpreter records or the evidence names.</summary>
    public override IEnumerable<WaitEdge> Edges(KindScope scope, ProcessInfo process) => PythonLockEdges.For(process);

    public override IEnumerable<Finding> Findings(ViewFindingScope scope) =>
        PythonLockEdges.Findings(scope.Snapshot, scope.Edges, scope.InCycles, scope.Describe);

    /// <summary>
    /// " (build.py:42 in generate)": where a Python thread's own code waits, when the Python view read
    /// its stack (the main thread for a whole process); "" otherwise.
    /// </summary>
    public override string Where(Describe d, WaitEnd end)
    {
        ProcessInfo? p = d.Snapshot.FindProcess(end.Pid);
        ThreadInfo? t = p?.Threads.FirstOrDefault(x => x.Tid == (end.Tid ?? end.Pid));
        if (t is null || t.PythonStack.IsDefaultOrEmpty)
        {
            return "";
        }
        StackFrame? own = t.PythonStack.FirstOrDefault(x => !IsLibrary(x.File));
        if (own is null)
        {
            // Only library frames: a library's own thread (a multiprocessing queue's feeder). The function the
            // thread was started to run says what it is; the innermost frame says where it waits.
            StackFrame inner = t.PythonStack[0];
            StackFrame? started = t.PythonStack.TakeWhile(x => x.Function is not ("Thread.run" or "run")).LastOrDefault();
            string role = started is not null && started != inner ? $"{started.Function}, " : "";
            return $" ({role}{Path.GetFileName(inner.File)}:{inner.Line} in {inner.Function})";
        }
        // The library call the program's line is in says how it waits (Popen.wait, Process.join).
        string callee = Callee(t) is StackFrame call ? $", in {LibraryName(call)}" : "";
        return $" ({Path.GetFileName(own.File)}:{own.Line} in {own.Function}{callee})";
    }

    /// <summary>
    /// Matched by the library's file and the function, since interpreters before 3.11 record "wait", not
    /// "Popen.wait".
    /// </summary>
    public override Analysis.Patterns.DrainSite DrainSite(Describe d, WaitEnd end) =>
        Callee(d.Snapshot.FindProcess(end.Pid)?.Threads.FirstOrDefault(x => x.Tid == (end.Tid ?? end.Pid))) switch
        {
            { Function: "Popen.wait" or "wait", File: string f } when f.EndsWith("/subprocess.py", StringComparison.Ordinal) => Analysis.Patterns.DrainSite.PopenWait,
            { Function: "BaseProcess.join" or "join", File: string f } when f.EndsWith("/multiprocessing/process.py", StringComparison.Ordinal) => Analysis.Patterns.DrainSite.ProcessJoin,
            _ => Analysis.Patterns.DrainSite.Other,
        };

    /// <summary>The interpreter-library call the thread's own innermost line is in (subprocess.py's Popen.wait), when its stack was read.</summary>
    private static StackFrame? Callee(ThreadInfo? t)
    {
        if (t is null || t.PythonStack.IsDefaultOrEmpty || t.PythonStack.FirstOrDefault(x => !IsLibrary(x.File)) is not StackFrame own)
        {
            return null;
        }
        int at = t.PythonStack.IndexOf(own);
        return at > 0 ? t.PythonStack[at - 1] : null;
    }

    /// <summary>
    /// "Popen.wait" where the interpreter records qualified names (3.11+); before that a code object holds only
    /// "wait", so the library file says whose it is: "wait (subprocess.py)".
    /// </summary>
    private static string LibraryName(StackFrame call) =>
        call.Function.Contains('.', StringComparison.Ordinal) || call.File is null ? call.Function : $"{call.Function} ({Path.GetFileName(call.File)})";

    /// <summary>A thread waiting for a threading lock or the GIL, or holding a lock, is shown whether or not an edge was drawn from it.</summary>
    public override bool Telling(ProcessInfo process, ThreadInfo thread) =>
        thread.PythonWait is { } wait && (wait.Lock is not null || wait.Gil || !wait.Holds.IsDefaultOrEmpty);

    public override IEnumerable<string> ThreadLines(ThreadInfo t)
    {
        if (!t.PythonStack.IsDefaultOrEmpty)
        {
            yield return $"      at {string.Join("\n      at ", t.PythonStack.Take(4).Select(f => TerminalText.Safe($"{f.Function} ({f.File}:{f.Line})")))}{(t.PythonStack.Length > 4 ? $"\n      ... {t.PythonStack.Length - 4} more frames" : "")}{(t.HoldsGil == true ? "\n      (holds the GIL)" : "")}";
        }
        if (t.PythonWait is not PythonWaitInfo wait)
        {
            yield break;
        }
        if (wait.Gil)
        {
            yield return "      (waits for the GIL)";
        }
        if (wait.Lock is PythonLockInfo l)
        {
            string owner = l.OwnerTid is int o ? $", which records thread {o} as its owner" : ", which records no owner";
            yield return $"      (waits for {l.Kind} {ObjectIds.Address(l.Object)}{owner})";
        }
        foreach (PythonHeldLock h in wait.Holds)
        {
            string where = h.With is StackFrame f ? TerminalText.Safe($", inside a `with` block in {f.Function}, now at {Path.GetFileName(f.File)}:{f.Line}") : "";
            yield return $"      (holds {h.Kind} {ObjectIds.Address(h.Object)}{where})";
        }
    }

    public override string? InnermostFrame(ThreadInfo t) =>
        t.PythonStack.IsDefaultOrEmpty ? null : $"{t.PythonStack[0].Function} ({t.PythonStack[0].File}:{t.PythonStack[0].Line})";

    /// <summary>The interpreter's own library (subprocess.py, threading.py), not the program's code.</summary>
    private static bool IsLibrary(string? file) =>
        file is null || file.StartsWith("<frozen", StringComparison.Ordinal)
        || (LibraryPath().IsMatch(file) && !file.Contains("-packages/", StringComparison.Ordinal));

    [GeneratedRegex(@"/lib/python\d+\.\d+/")]
    private static partial Regex LibraryPath();
}
