using System.Collections.Immutable;
using System.Globalization;
using ProcAudit.Enrichment;

namespace ProcAudit.Go;

/// <summary>The Go view of a process for the audit: its goroutines, read from memory without stopping it.</summary>
public sealed class GoEnricher : IRuntimeEnricher
{
    /// <inheritdoc />
    public string Runtime => "go";

    /// <inheritdoc />
    public RuntimeView Enrich(ProcessInfo process, TimeSpan budget, CancellationToken cancellationToken)
    {
        GoroutineSnapshot read = GoroutineReader.Read(process.Pid, budget);
        ImmutableArray<GoroutineInfo> goroutines = read.Goroutines.Select(g => new GoroutineInfo
        {
            Id = g.Id,
            State = g.Status,
            WaitReason = g.WaitReason,
            WaitingSince = g.WaitingSinceNanos,
            Frames = g.Frames.Select(f => new StackFrame(f.Function, f.File, f.Line)).ToImmutableArray(),
            WaitsOn = g.Channel is GoChannel c ? $"chan:{process.Pid.ToString(CultureInfo.InvariantCulture)}:0x{c.Address.ToString("x", CultureInfo.InvariantCulture)}" : null,
            ChannelQueued = g.Channel?.QueuedCount,
            ChannelCapacity = g.Channel?.Capacity,
        }).ToImmutableArray();
        ImmutableArray<Note> notes = read.Notes.Select(n => new Note("unreadable", $"goroutines of {process.Pid}: {n}", process.Pid)).ToImmutableArray();
        ProcessInfo enriched = goroutines.IsEmpty ? process : process with
        {
            Goroutines = goroutines,
            RuntimeViews = process.RuntimeViews.Add("goroutines"),
        };
        return new RuntimeView(enriched, notes);
    }
}
