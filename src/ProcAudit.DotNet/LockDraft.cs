using System.Collections.Immutable;
using Microsoft.Diagnostics.Runtime;

namespace ProcAudit.DotNet;

/// <summary>A held monitor being assembled from ClrMD; waiters are added as threads are matched to it.</summary>
internal sealed class LockDraft
{
    public LockDraft(ulong objectAddress, string? typeName, MonitorLockKind kind, ClrThread? owner, int recursionCount)
    {
        ObjectAddress = objectAddress;
        TypeName = typeName;
        Kind = kind;
        Owner = owner;
        RecursionCount = recursionCount;
    }

    public ulong ObjectAddress { get; }

    public string? TypeName { get; }

    public MonitorLockKind Kind { get; }

    /// <summary>The owning thread; null when it is no longer alive.</summary>
    public ClrThread? Owner { get; }

    public int RecursionCount { get; }

    public List<MonitorWaiter> Waiters { get; } = new List<MonitorWaiter>();

    public MonitorLock ToLock()
    {
        return new MonitorLock
        {
            ObjectAddress = ObjectAddress,
            TypeName = TypeName,
            Kind = Kind,
            OwnerOsThreadId = Owner is null ? null : (int)Owner.OSThreadId,
            OwnerManagedThreadId = Owner?.ManagedThreadId,
            RecursionCount = RecursionCount,
            Waiters = Waiters.OrderBy(static waiter => waiter.OsThreadId).ToImmutableArray(),
        };
    }
}
