namespace ProcAudit.DotNet;

/// <summary>How bounded work ended, from <see cref="BoundedRun.Run{T}"/>.</summary>
/// <param name="Finished">False when the budget ran out first and the work was abandoned.</param>
/// <param name="Result">The work's result, when it finished and did not throw.</param>
/// <param name="Error">The exception the work threw, when it finished by throwing.</param>
internal readonly record struct BoundedOutcome<T>(bool Finished, T? Result, Exception? Error);
