namespace ProcAudit.DotNet;

/// <summary>A thread blocked entering a lock (<c>lock (x)</c>, <c>Monitor.Enter</c>, <c>Lock.Enter</c>).</summary>
public sealed record MonitorWaiter
{
    /// <summary>The kernel's thread id of the waiting thread.</summary>
    public required int OsThreadId { get; init; }

    /// <summary>The runtime's managed thread id of the waiting thread.</summary>
    public int? ManagedThreadId { get; init; }

    /// <summary>
    /// The frame that asked for the lock: the caller of <c>Monitor.Enter</c> or <c>Lock.EnterScope</c>, e.g.
    /// <c>Accounts.Transfer(Ledger, Int32)</c>; null when the stack had no frame outside the entering ones.
    /// </summary>
    public string? Frame { get; init; }
}
