namespace ProcAudit.DotNet;

/// <summary>A thread blocked synchronously on a flow's task (<c>Task.Wait</c>, <c>.Result</c>, <c>GetAwaiter().GetResult()</c>): sync-over-async.</summary>
public sealed record AsyncBlockedThread
{
    /// <summary>The task it waits for: the address of one of the flow's frames.</summary>
    public required ulong TaskAddress { get; init; }

    /// <summary>The kernel's thread id; null when no thread's stack could be tied to the wait (the continuation alone proves someone waits).</summary>
    public int? OsThreadId { get; init; }

    /// <summary>The runtime's managed thread id, when the thread was found.</summary>
    public int? ManagedThreadId { get; init; }
}
