namespace ProcAudit;

/// <summary>Something the capture could not read, and why; the rest of the report stands without it.</summary>
/// <param name="Kind"><c>gone</c> (exited meanwhile), <c>denied</c> (permission), <c>unsupported</c>, <c>unreadable</c>, <c>timeout</c>.</param>
/// <param name="Message">One plain sentence.</param>
/// <param name="Pid">The process it concerns, if any.</param>
/// <param name="Path">The /proc path that failed, if any.</param>
public sealed record Note(string Kind, string Message, int? Pid = null, string? Path = null);
