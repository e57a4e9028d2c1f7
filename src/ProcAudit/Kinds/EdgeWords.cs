namespace ProcAudit.Kinds;

/// <summary>How a wait-for edge reads.</summary>
/// <param name="Verb">Between waiter and awaited in a sentence: "reads empty eventfd:[3] written by".</param>
/// <param name="Role">On the picture's arrow from the object to the awaited: "written by".</param>
internal sealed record EdgeWords(string Verb, string Role);
