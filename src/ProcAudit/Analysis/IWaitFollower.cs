using System.Collections.Immutable;

namespace ProcAudit.Analysis;

/// <summary>Where one waiter's wait leads: the end, in words, the waiter or process it ends at, and the edges followed to get there.</summary>
/// <param name="Kind">The end.</param>
/// <param name="Summary">The wait in words, from the waiter to its end.</param>
/// <param name="At">Where it ends.</param>
/// <param name="Chain">The edges followed, in order.</param>
internal sealed record WaitLead(WaitEndKind Kind, string Summary, WaitEnd At, ImmutableArray<WaitEdge> Chain)
{
    /// <summary>A wait that ends at <paramref name="at"/> itself, along no edge.</summary>
    public static WaitLead Here(WaitEndKind kind, string summary, WaitEnd at) => new(kind, summary, at, ImmutableArray<WaitEdge>.Empty);
}

/// <summary>
/// What a runtime view needs to follow its own waiters (goroutines, async flows) to where their waits end, the way
/// threads are followed: the edges leaving a waiter, a thread's or another waiter's end, a wait on a descriptor,
/// and a wait inside the process.
/// </summary>
internal interface IWaitFollower
{
    /// <summary>The words of the summaries.</summary>
    Describe Describe { get; }

    /// <summary>Where <paramref name="node"/>'s wait ends (a cycle when it leads back to a waiter being followed).</summary>
    WaitLead Resolve(WaitEnd node);

    /// <summary>The most hopeful end along the edges that leave <paramref name="node"/>; null when none does.</summary>
    WaitLead? AlongEdges(WaitEnd node);

    /// <summary>True when an edge leaves <paramref name="node"/>.</summary>
    bool HasEdges(WaitEnd node);

    /// <summary>The end of a wait read from the waiter itself (<paramref name="own"/>), followed to the processes it names.</summary>
    WaitLead FromOwn(WaitEnd node, ProcessInfo process, OwnWait own);

    /// <summary>A wait on the waiter's own process: it ends where the process's other waits end.</summary>
    WaitLead Internal(WaitEnd node, ProcessInfo process, string summary);

    /// <summary>A read or write on <paramref name="fd"/> that the runtime says the waiter is in.</summary>
    OwnWait Descriptor(ProcessInfo process, FdInfo fd, bool write);
}
