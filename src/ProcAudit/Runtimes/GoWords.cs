using ProcAudit.Analysis;

namespace ProcAudit.Runtimes;

/// <summary>The Go view's words: which goroutines are the program's, and where its code waits.</summary>
internal static class GoWords
{
    /// <summary>"goroutine 21 (main.(*room).broadcast, room.go:31)": where the program's own code waits.</summary>
    public static string Goroutine(Describe d, WaitEnd end)
    {
        GoroutineInfo? g = d.Snapshot.FindProcess(end.Pid)?.Goroutines.FirstOrDefault(x => x.Id == end.Goroutine);
        StackFrame? own = g is null ? null : OwnFrame(g);
        if (own is null)
        {
            return $"goroutine {end.Goroutine}";
        }
        // The library call the program's code is in says how it waits (encoding/json.(*Decoder).Decode, net.(*conn).Write).
        int at = g!.Frames.IndexOf(own);
        string? callee = at > 0 && !g.Frames[at - 1].Function.StartsWith("runtime.", StringComparison.Ordinal) ? g.Frames[at - 1].Function : null;
        return $"goroutine {end.Goroutine} ({own.Function}, {Path.GetFileName(own.File)}:{own.Line}{(callee is null ? "" : ", in " + callee)})";
    }

    /// <summary>
    /// The innermost frame of the program's own code: package main, or a module path (its first element has a
    /// dot); the standard library (runtime, sync, net, internal/poll) is skipped.
    /// </summary>
    public static StackFrame? OwnFrame(GoroutineInfo g) =>
        g.Frames.FirstOrDefault(f => IsOwnCode(f.Function)) ?? g.Frames.FirstOrDefault(f => !f.Function.StartsWith("runtime.", StringComparison.Ordinal));

    /// <summary>The runtime's own goroutines (GC workers, finalizers, timers, cleanups): no frame outside package runtime.</summary>
    public static bool IsRuntimeGoroutine(GoroutineInfo g) =>
        g.Frames.Length > 0 && g.Frames.All(f => f.Function.StartsWith("runtime.", StringComparison.Ordinal));

    private static bool IsOwnCode(string function)
    {
        int slash = function.IndexOf('/');
        string first = slash < 0 ? function[..Math.Max(0, function.IndexOf('.'))] : function[..slash];
        return first == "main" || first.Contains('.');
    }

    /// <summary>The goroutine of a Go process that is in a system call on the end's thread, if the goroutines were read.</summary>
    public static long? InSyscall(Describe d, WaitEnd end) =>
        end.Tid is int tid ? d.Snapshot.FindProcess(end.Pid)?.Goroutines.FirstOrDefault(g => g.State == "syscall" && g.ThreadId == tid)?.Id : null;

    /// <summary>"sync.RWMutex 0xc0000926f0": the lock a go-lock edge waits for.</summary>
    public static string Lock(Describe d, WaitEdge edge)
    {
        GoLockInfo? l = d.Snapshot.FindProcess(edge.From.Pid)?.GoLocks.FirstOrDefault(x => x.Id == edge.Object);
        return l is null ? edge.Object ?? "a lock" : GoLockHolders.Name(l);
    }
}
