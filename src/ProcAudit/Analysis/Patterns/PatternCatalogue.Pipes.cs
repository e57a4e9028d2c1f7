using System.Collections.Immutable;
using static ProcAudit.Analysis.Patterns.Clause;

namespace ProcAudit.Analysis.Patterns;

/// <summary>The pipe patterns: two pipes drained in the wrong order, a wait for exit before the drain, a write end nobody will close, a reader that does not read.</summary>
internal static partial class PatternCatalogue
{
    /// <summary>The parent reads one pipe to EOF while its child blocks on the other, full one.</summary>
    public static readonly CyclePattern<PipeOrderInversionFacts> PipeOrderInversion = new(
        "pipe-order-inversion",
        "one pipe read to EOF while the other fills",
        f => $"{f.Reader} reads {f.Read.Stream} ({FdComma(f.Read.Fd)}{f.Read.Pipe}, {f.Read.Fill}) until EOF while " +
            $"{f.Relation}{f.Writer} blocks writing {f.Write.Stream} ({FdComma(f.Write.Fd)}{f.Write.Pipe}, {f.Write.Fill}), " +
            $"a full {Capacity(f.Capacity)}pipe only {f.ReaderPid} can drain{OneEdgeInferred(f.Inferred)}.",
        f => $"Read {f.Read.Stream} and {f.Write.Stream} concurrently (two threads, async reads, or poll), or merge them into one stream; never drain one to EOF before the other.");

    /// <summary>The parent waits for its child to exit before reading the pipe the child blocks writing.</summary>
    public static readonly CyclePattern<WaitBeforeDrainFacts> WaitBeforeDrain = new(
        "wait-before-drain",
        "a wait for exit before the output is read",
        f => $"{f.Parent} waits for {f.Relation}{f.Child} to exit before reading {(f.Write.Stream == "a pipe" ? "the pipe" : "its " + f.Write.Stream)}, while " +
            $"{f.Writer} blocks writing {f.Write.Stream} ({FdComma(f.Write.Fd)}{f.Write.Pipe}, {f.Write.Fill}), " +
            $"a full {Capacity(f.Capacity)}pipe only {f.ParentPid} can drain{OneEdgeInferred(f.Inferred)}.",
        // Python's own API for this is named in its documentation's warning about wait() with a PIPE.
        f => f.Site switch
        {
            DrainSite.PopenWait => $"Use p.communicate() instead of p.wait(): it reads the child's {f.Write.Stream} while it waits (the subprocess documentation warns that wait() with stdout=PIPE deadlocks once the pipe fills).",
            DrainSite.ProcessJoin => "Take the items off the queue (q.get()) before p.join(): a child that put data on a multiprocessing Queue does not exit until its feeder thread has written it all into the pipe (the multiprocessing guidelines: joining processes that use queues).",
            _ => $"Read the child's {(f.Write.Stream == "a pipe" ? "pipe" : f.Write.Stream)} to EOF (or concurrently) before waiting for it to exit.",
        });

    /// <summary>A reader waits for an EOF that cannot come: a write end is still held, by an orphan, a process outside the tree, or the reader itself.</summary>
    public static readonly FindingPattern<LeakedWriteEndFacts> LeakedWriteEnd = new(
        "leaked-write-end",
        "a write end nobody will close",
        f => f switch
        {
            LeakedWriteEndFacts.HeldElsewhere e =>
                $"{e.Waiter} waits for EOF on {string.Join(" and ", e.Streams.Select(s => $"{s.Stream} (fd {s.Fd}, {s.Pipe}, {s.Fill})"))}, " +
                $"but {e.Holder.Process} (`{e.Holder.Command}`), {Orphan(e.Holder)}{(e.Holder.OutsideTree ? "outside the audited tree, " : "")}" +
                $"still holds {(e.Streams.Length == 1 ? "its write end" : "their write ends")} as {(e.Holder.Fds.Length == 1 ? "fd " : "fds ")}{string.Join(" and ", e.Holder.Fds)}" +
                $"{(e.MoreHolders > 0 ? $" (and {e.MoreHolders} more outside holders)" : "")}, so EOF never comes{InferredFrom(e.Inferred)}.",
            LeakedWriteEndFacts.HeldByWaiter w =>
                $"{w.Waiter} waits for EOF on {w.Stream.Stream} (fd {w.Stream.Fd}, {w.Stream.Pipe}, {w.Stream.Fill}), but it holds the write end itself as fd {w.OwnFd}, so EOF never comes{InferredFrom(w.Inferred)}.",
            _ => throw new ArgumentOutOfRangeException(nameof(f)),
        },
        f => f switch
        {
            LeakedWriteEndFacts.HeldElsewhere e =>
                $"Stop {e.Holder.Name} {e.Holder.Pid}, or start background processes with their output redirected away from {string.Join(" and ", e.Streams.Select(s => s.Stream))} (e.g. `cmd >/dev/null 2>&1 &`), or stop waiting for EOF once the direct child has exited.",
            _ => "Close the parent's copy of the write end right after starting the child (or open it with O_CLOEXEC / close_fds).",
        });

    /// <summary>A writer blocks on a full pipe whose reader sleeps on something else.</summary>
    public static readonly FindingPattern<ReaderNotReadingFacts> ReaderNotReading = new(
        "reader-not-reading",
        "a full pipe whose reader does not read",
        f => $"{f.Writer} {(f.Inferred is null ? "blocks" : "waits")} writing {f.Write.Stream} (fd {f.Write.Fd}, {f.Write.Pipe}, {f.Write.Fill}), but the reader, " +
            $"{f.Relation}{f.Reader}, does not read it: it {f.Doing}{(f.OtherReaders.IsEmpty ? "" : $" (nor do {string.Join(", ", f.OtherReaders)})")}{InferredFrom(f.Inferred)}.",
        f => f.ReaderIs switch
        {
            ReaderIs.WritersParent => $"The parent {f.ReaderPid} must read the child's {f.Write.Stream} while it runs (e.g. read it before waiting for the child to exit, or read it asynchronously).",
            ReaderIs.WritersChild => $"Write to {f.Reader} only what it reads, from a separate thread or asynchronously, and close the write end when done.",
            _ => $"Make {f.Reader} read {f.Write.Stream}, or stop it holding the read end.",
        });

    private static string Capacity(string capacity) => capacity.Length > 0 ? capacity + " " : "";

    private static string Orphan(WriteEndHolder h) => h.Orphan switch
    {
        OrphanOf.Init => "an orphan (its parent is now pid 1) ",
        OrphanOf.Supervisor => $"an orphan (adopted by procaudit run, pid {h.PPid}), ",
        _ => "",
    };
}

/// <summary>One end of a pipe a wait is on, in words.</summary>
/// <param name="Stream">The name a person knows it by: "stdout", "stderr", "stdin", "a pipe" (<see cref="Describe.StreamName"/>).</param>
/// <param name="Fd">The waiter's descriptor, when known.</param>
/// <param name="Pipe">The pipe, <c>pipe:[N]</c>.</param>
/// <param name="Fill">"65536/65536 bytes full", "empty", "fill unknown" (<see cref="Describe.Fill(string, bool)"/>).</param>
internal sealed record PipeSide(string Stream, int? Fd, string Pipe, string Fill);

/// <param name="Reader">The reader, as <see cref="Describe.Process"/> names it (with a goroutine or Python frame when known).</param>
/// <param name="Read">The pipe it reads to EOF.</param>
/// <param name="Relation">"its child ", "its parent " or "": the writer as seen from the reader.</param>
/// <param name="Writer">The writer blocked on the other pipe.</param>
/// <param name="Write">The full pipe.</param>
/// <param name="Capacity">"64 KiB", or "" when unknown.</param>
/// <param name="ReaderPid">The only process that can drain it.</param>
/// <param name="Inferred">The evidence of the first inferred edge of the cycle; null when every edge was observed.</param>
internal sealed record PipeOrderInversionFacts(string Reader, PipeSide Read, string Relation, string Writer, PipeSide Write, string Capacity, int ReaderPid, string? Inferred);

/// <summary>Where a parent waits for its child's exit, when its own stack says so.</summary>
internal enum DrainSite
{
    /// <summary>Anywhere else (or not known).</summary>
    Other,

    /// <summary>Python's <c>subprocess.Popen.wait</c>.</summary>
    PopenWait,

    /// <summary>Python's <c>multiprocessing</c> <c>BaseProcess.join</c>.</summary>
    ProcessJoin,
}

/// <param name="Parent">The process waiting for the exit.</param>
/// <param name="Relation">"its child " or "": the child as seen from the parent.</param>
/// <param name="Child">The child it waits for.</param>
/// <param name="Writer">Who blocks writing the full pipe.</param>
/// <param name="Write">The full pipe.</param>
/// <param name="Capacity">"64 KiB", or "".</param>
/// <param name="ParentPid">The only process that can drain it.</param>
/// <param name="Site">Where the parent waits, for the fix.</param>
/// <param name="Inferred">The evidence of the first inferred edge; null when every edge was observed.</param>
internal sealed record WaitBeforeDrainFacts(string Parent, string Relation, string Child, string Writer, PipeSide Write, string Capacity, int ParentPid, DrainSite Site, string? Inferred);

/// <summary>The two ways a write end leaks: held by someone the waiter no longer waits for, or by the waiter itself.</summary>
internal abstract record LeakedWriteEndFacts
{
    private LeakedWriteEndFacts()
    {
    }

    /// <param name="Waiter">Who waits for EOF.</param>
    /// <param name="Streams">The pipes it waits on (one, for a process in an audited tree; stdout and stderr for a supervised command).</param>
    /// <param name="Holder">The first process still holding a write end.</param>
    /// <param name="MoreHolders">How many more holders there are.</param>
    /// <param name="Inferred">What the wait is inferred from; null when observed.</param>
    public sealed record HeldElsewhere(string Waiter, ImmutableArray<PipeSide> Streams, WriteEndHolder Holder, int MoreHolders, string? Inferred) : LeakedWriteEndFacts;

    /// <param name="Waiter">Who waits for EOF.</param>
    /// <param name="Stream">The pipe it waits on.</param>
    /// <param name="OwnFd">Its own descriptor of the write end.</param>
    /// <param name="Inferred">What the wait is inferred from; null when observed.</param>
    public sealed record HeldByWaiter(string Waiter, PipeSide Stream, int? OwnFd, string? Inferred) : LeakedWriteEndFacts;
}

/// <summary>Whose orphan a process is, when it is one.</summary>
internal enum OrphanOf
{
    /// <summary>Not an orphan (or not known to be).</summary>
    None,

    /// <summary>Re-parented to pid 1.</summary>
    Init,

    /// <summary>Adopted by the supervising child subreaper (<c>procaudit run</c>).</summary>
    Supervisor,
}

/// <param name="Process">"sleep 25203" (<see cref="Describe.Process"/>).</param>
/// <param name="Name">Its comm, for the fix ("Stop sleep 25203").</param>
/// <param name="Pid">Its pid.</param>
/// <param name="Command">Its command line, shortened (<see cref="Describe.Command(string, ImmutableArray{string})"/>).</param>
/// <param name="Orphan">Whose orphan it is.</param>
/// <param name="PPid">Its parent now.</param>
/// <param name="OutsideTree">True when it is outside the audited tree.</param>
/// <param name="Fds">Its descriptors of the write end(s).</param>
internal sealed record WriteEndHolder(string Process, string Name, int Pid, string Command, OrphanOf Orphan, int PPid, bool OutsideTree, ImmutableArray<int?> Fds);

/// <summary>How the reader of a full pipe is related to its writer, for the fix.</summary>
internal enum ReaderIs
{
    /// <summary>Neither parent nor child.</summary>
    Unrelated,

    /// <summary>The writer's parent.</summary>
    WritersParent,

    /// <summary>The writer's child.</summary>
    WritersChild,
}

/// <param name="Writer">The writer.</param>
/// <param name="Write">The full pipe, as the writer holds it.</param>
/// <param name="Relation">"its child ", "its parent " or "": the reader as seen from the writer.</param>
/// <param name="Reader">The first reader.</param>
/// <param name="ReaderPid">Its pid.</param>
/// <param name="Doing">What the reader does instead (<see cref="StallFinder.Activity"/>).</param>
/// <param name="OtherReaders">The other readers, none of which reads either.</param>
/// <param name="ReaderIs">How the reader is related to the writer.</param>
/// <param name="Inferred">What the write is inferred from; null when observed.</param>
internal sealed record ReaderNotReadingFacts(string Writer, PipeSide Write, string Relation, string Reader, int ReaderPid, string Doing, ImmutableArray<string> OtherReaders, ReaderIs ReaderIs, string? Inferred);
