using System.Collections.Immutable;

namespace ProcAudit.DotNet;

/// <summary>A SynchronizationContext of a derived type (a UI's, a single-threaded one) that some thread has as its current one.</summary>
public sealed record AsyncSyncContext
{
    /// <summary>The context's address in the target's heap.</summary>
    public required ulong Address { get; init; }

    /// <summary>Its type, e.g. <c>System.Windows.Forms.WindowsFormsSynchronizationContext</c>.</summary>
    public required string TypeName { get; init; }

    /// <summary>The kernel's ids of the threads whose current context it is: for a single-threaded context, the one thread that runs what is posted to it.</summary>
    public ImmutableArray<int> OwnerThreads { get; init; } = ImmutableArray<int>.Empty;

    /// <summary>Flows (by <see cref="AsyncFlow.Id"/>) whose continuation was found posted to it, in its own queue.</summary>
    public ImmutableArray<ulong> PostedFlowIds { get; init; } = ImmutableArray<ulong>.Empty;
}
