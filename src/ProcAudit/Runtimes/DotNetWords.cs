using System.Collections.Immutable;
using ProcAudit.Analysis;

namespace ProcAudit.Runtimes;

/// <summary>The .NET view's words: async flows by their awaiting methods, a thread's managed frames, a managed lock's type.</summary>
internal static class DotNetWords
{
    /// <summary>The async flow with this id, when captured.</summary>
    public static AsyncFlowInfo? FlowInfo(Describe d, int pid, string id) => d.Snapshot.FindProcess(pid)?.AsyncFlows.FirstOrDefault(x => x.Id == id);

    /// <summary>"async flow Abba.BothFlows@0 > Task.WhenAll > Abba.Flow@2": the awaiting methods, outermost first.</summary>
    public static string Flow(Describe d, int pid, string id)
    {
        AsyncFlowInfo? f = FlowInfo(d, pid, id);
        return f is null || f.Frames.IsDefaultOrEmpty ? $"async flow {id}" : $"async flow {string.Join(" > ", f.Frames)}";
    }

    /// <summary>A thread's managed frames, innermost first (empty when not read).</summary>
    public static ImmutableArray<string> ManagedStack(Describe d, WaitEnd end) =>
        (end.Tid is int tid ? d.Snapshot.FindProcess(end.Pid)?.Threads.FirstOrDefault(x => x.Tid == tid)?.ManagedStack : null) ?? ImmutableArray<string>.Empty;

    /// <summary>The type of the object a managed-lock edge waits for.</summary>
    public static string LockType(Describe d, WaitEdge edge) =>
        d.Snapshot.FindProcess(edge.From.Pid)?.ManagedLocks.FirstOrDefault(l => l.Id == edge.Object)?.Type ?? edge.Object ?? "an object";

    /// <summary>The first frame of the managed Process.WaitForExit a thread is in, or null.</summary>
    public static string? WaitForExitFrame(ThreadInfo t) =>
        t.ManagedStack.FirstOrDefault(f => f.StartsWith("System.Diagnostics.Process.WaitForExit", StringComparison.Ordinal));
}
