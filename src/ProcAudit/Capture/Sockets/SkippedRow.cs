namespace ProcAudit.Capture.Sockets;

/// <summary>A line of a socket table a parser could not use, and why; the other rows are kept.</summary>
/// <param name="LineNumber">1-based; line 1 is the header.</param>
/// <param name="Text">The line as read, cut to 200 characters.</param>
/// <param name="Reason">One plain sentence.</param>
internal sealed record SkippedRow(int LineNumber, string Text, string Reason)
{
    private const int MaxText = 200;

    public static SkippedRow Of(int lineNumber, string line, string reason) =>
        new(lineNumber, line.Length > MaxText ? line[..MaxText] : line, reason);
}
