using System.Collections.Immutable;

namespace ProcAudit.Capture.Sockets;

/// <summary>What a socket-table parser made of one file: the rows it read and the lines it skipped.</summary>
internal sealed record NetFileRows<TRow>(ImmutableArray<TRow> Rows, ImmutableArray<SkippedRow> Skipped)
{
    public static NetFileRows<TRow> Empty { get; } = new(ImmutableArray<TRow>.Empty, ImmutableArray<SkippedRow>.Empty);
}
