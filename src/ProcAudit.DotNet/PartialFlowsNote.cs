using System.Globalization;

namespace ProcAudit.DotNet;

/// <summary>
/// The note of an async-flow read that succeeded but is not whole: the walk stopped at its cap or its deadline, or
/// more flows were found than are listed. The snapshot lists at most <see cref="AsyncFlowCapture.MaxFlowsListed"/>
/// flows, so the note also carries every flow folded by shape (as <c>dumpasync --coalesce</c>), the count a report
/// of 100,000 pending tasks needs and could not take from the listed flows alone.
/// </summary>
internal static class PartialFlowsNote
{
    private const int MaxShapes = 5;

    /// <summary>The note's message, or null when the read is whole and needs none.</summary>
    public static string? Message(int pid, AsyncFlows read)
    {
        if (read.Status != CaptureStatus.Captured || read.Notes.IsDefaultOrEmpty)
        {
            return null;
        }

        string message = $"async flows of {pid.ToString(CultureInfo.InvariantCulture)}: {string.Join(" ", read.Notes)}";
        if (read.TotalFlows <= read.Flows.Length)
        {
            return message;
        }

        IEnumerable<string> shapes = read.Shapes.Take(MaxShapes)
            .Select(static s => $"{s.Count.ToString("N0", CultureInfo.InvariantCulture)} x {string.Join(" > ", s.Methods)} [awaits {AsyncFlowRecords.Kind(s.AwaitKind)}]");
        string more = read.Shapes.Length > MaxShapes ? $", and {read.Shapes.Length - MaxShapes} more shapes" : "";
        return $"{message} All {read.TotalFlows.ToString("N0", CultureInfo.InvariantCulture)} by shape: {string.Join("; ", shapes)}{more}.";
    }
}
