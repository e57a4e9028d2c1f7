namespace ProcAudit;

/// <summary>A goroutine's frame that points at a channel or lock.</summary>
/// <param name="Goroutine">The goroutine id.</param>
/// <param name="Function">The frame's function.</param>
/// <param name="File">Its source file.</param>
/// <param name="Line">The line it is at.</param>
/// <param name="How"><c>live-pointer</c> (a live variable, per the compiler's stack maps) or <c>pending-defer</c>.</param>
/// <param name="Detail">For a pending defer: the closure and the unlock it calls.</param>
public sealed record GoReferenceInfo(long Goroutine, string Function, string? File, int? Line, string How, string? Detail = null);
