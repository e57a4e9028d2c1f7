using ProcAudit.Analysis;
using ProcAudit.Kinds;

namespace ProcAudit.Runtimes;

/// <summary>
/// What one runtime view (Go's goroutines, .NET's managed stacks, locks and async flows, Python's frames) means
/// once capture has filled its records in: the edges those records give, its findings, its words in a sentence,
/// which of its process's threads are the runtime's own, and its lines in the text and HTML reports. Its capture
/// side is an <see cref="Enrichment.IRuntimeEnricher"/>; every runtime such an enricher reads has exactly one
/// module (<see cref="RuntimeRegistry.For"/>). Each hook looks only at its own records, so a module is silent on a
/// process it did not read.
/// </summary>
internal abstract class RuntimeViewModule
{
    /// <summary>The runtime it explains, as <see cref="ProcessInfo.Runtime"/> and the enricher name it (<c>go</c>, <c>dotnet</c>, <c>python</c>).</summary>
    public abstract string Runtime { get; }

    /// <summary>Edges the runtime itself reported for <paramref name="process"/> (a lock's owner, a flow's awaiter), added after the kernel's and the kinds' edges.</summary>
    public virtual IEnumerable<WaitEdge> Edges(KindScope scope, ProcessInfo process) => Array.Empty<WaitEdge>();

    /// <summary>True when the view read what each waiter of <paramref name="process"/> waits on, so the guess from its epoll set is not needed.</summary>
    public virtual bool ReadsWaiters(ProcessInfo process) => false;

    /// <summary>The edges of the waiters it read (<see cref="ReadsWaiters"/>), in place of the epoll guess.</summary>
    public virtual IEnumerable<WaitEdge> WaiterEdges(KindScope scope, ProcessInfo process) => Array.Empty<WaitEdge>();

    /// <summary>The waiters of <paramref name="process"/> only this view knows (its goroutines, its async flows), followed like its threads.</summary>
    public virtual IEnumerable<WaitEnd> Waiters(ProcessInfo process) => Array.Empty<WaitEnd>();

    /// <summary>True when <paramref name="node"/> is one of this view's waiters (<see cref="Waiters"/>).</summary>
    public virtual bool Owns(WaitEnd node) => false;

    /// <summary>Where the wait of one of its waiters ends (<see cref="Owns"/>).</summary>
    public virtual WaitLead Follow(IWaitFollower follower, WaitEnd node) => throw new InvalidOperationException($"{GetType().Name} has no waiters of its own");

    /// <summary>Its waiters in <paramref name="process"/> that may yet act, for a wait inside the process (a goroutine with an fd or a timer, a flow awaiting I/O).</summary>
    public virtual IEnumerable<WaitEnd> Leads(IWaitFollower follower, ProcessInfo process) => Array.Empty<WaitEnd>();

    /// <summary>True for a thread the runtime keeps for itself, in a process of this runtime: its waits say nothing of the program.</summary>
    public virtual bool IsHousekeeping(ProcessInfo process, ThreadInfo thread) => false;

    /// <summary>True when a housekeeping thread with a time limit keeps a timer for the program (Go's time.Sleep, a Ticker), so a wait inside the process may end there.</summary>
    public virtual bool KeepsProgramTimers => false;

    /// <summary>Its findings that are not cycles, told after the kernel-level ones.</summary>
    public virtual IEnumerable<Finding> Findings(ViewFindingScope scope) => Array.Empty<Finding>();

    /// <summary>A waiter only this view knows (a goroutine, an async flow) in a sentence; null for any other.</summary>
    public virtual string? Who(Describe d, WaitEnd end) => null;

    /// <summary>Which of <paramref name="process"/>'s waiters a report names (<c>goroutine 7</c>, <c>async Abba.Flow</c>) when it is one only this view knows; null for any other.</summary>
    public virtual string? WaiterDetail(ProcessInfo? process, WaitEnd end) => null;

    /// <summary>A waiter that is, or runs on, one of this view's own (a goroutine in a system call on that thread), named as its actor in a cycle; null otherwise.</summary>
    public virtual string? Actor(Describe d, WaitEnd end) => null;

    /// <summary>A waiter only this view knows, with what it waits on, for the list of unexplained waits; null for any other.</summary>
    public virtual string? WaitLine(Describe d, WaitEnd end) => null;

    /// <summary>Where the program's own code waits, appended to a process in a sentence (" (build.py:42 in generate)"); "" when the view has nothing to add.</summary>
    public virtual string Where(Describe d, WaitEnd end) => "";

    /// <summary>Where a parent waits for its child's exit, when its own stack says so (a library call with a fix of its own).</summary>
    public virtual Analysis.Patterns.DrainSite DrainSite(Describe d, WaitEnd end) => Analysis.Patterns.DrainSite.Other;

    /// <summary>
    /// What a process is doing, in the runtime's own words, when they say more than the system call of its most
    /// telling thread (<paramref name="main"/>); null when the view has nothing to say.
    /// </summary>
    public virtual string? Activity(ProcessInfo process, ThreadInfo? main) => null;

    /// <summary>A process that waits for a pipe's end because a runtime call of its own waits for its output, named with that call; null otherwise.</summary>
    public virtual string? WaitsForOutput(Describe d, ProcessInfo reader) => null;

    /// <summary>True when the text report should show <paramref name="thread"/> because this view has something to say about it.</summary>
    public virtual bool Telling(ProcessInfo process, ThreadInfo thread) => false;

    /// <summary>The lines under a thread in the text report (its stack), already made safe for a terminal.</summary>
    public virtual IEnumerable<string> ThreadLines(ThreadInfo thread) => Array.Empty<string>();

    /// <summary>Its block under a process in the text report (goroutines, async flows), made safe for a terminal.</summary>
    public virtual void WriteText(ProcessInfo process, TextWriter w)
    {
    }

    /// <summary>The innermost frame the view read for a thread, for the HTML report's thread table; null when it read none.</summary>
    public virtual string? InnermostFrame(ThreadInfo thread) => null;

    /// <summary>Its block in a process's details in the HTML report, every text escaped.</summary>
    public virtual void WriteHtml(ProcessInfo process, TextWriter w)
    {
    }
}
