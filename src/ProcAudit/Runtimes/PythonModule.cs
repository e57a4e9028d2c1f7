using System.Text.RegularExpressions;
using ProcAudit.Analysis;
using ProcAudit.Reporting;

namespace ProcAudit.Runtimes;

/// <summary>
/// The Python view: each thread's Python stack, read from the interpreter's memory. It adds no edges (the kernel
/// view already has the waits); it says where the script's own line waits, in sentences and under each thread.
/// </summary>
internal sealed partial class PythonModule : RuntimeViewModule
{
    public override string Runtime => RuntimeNames.Python;

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
        int at = t.PythonStack.IndexOf(own);
        string callee = at > 0 ? $", in {t.PythonStack[at - 1].Function}" : "";
        return $" ({Path.GetFileName(own.File)}:{own.Line} in {own.Function}{callee})";
    }

    public override IEnumerable<string> ThreadLines(ThreadInfo t)
    {
        if (!t.PythonStack.IsDefaultOrEmpty)
        {
            yield return $"      at {string.Join("\n      at ", t.PythonStack.Take(4).Select(f => TerminalText.Safe($"{f.Function} ({f.File}:{f.Line})")))}{(t.PythonStack.Length > 4 ? $"\n      ... {t.PythonStack.Length - 4} more frames" : "")}{(t.HoldsGil == true ? "\n      (holds the GIL)" : "")}";
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
