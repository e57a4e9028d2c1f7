namespace ProcAudit.DotNet;

/// <summary>One suspended async method of a flow (its state machine box), or a combinator between two of them.</summary>
public sealed record AsyncFrame
{
    /// <summary>The method, from the state machine's type: <c>ProcAudit.Scenarios.AsyncAbba.Flow</c>; a combinator is <c>Task.WhenAll</c>.</summary>
    public required string Method { get; init; }

    /// <summary>The state machine's (or combinator task's) type as the runtime names it, e.g. <c>ProcAudit.Scenarios.AsyncAbba+&lt;Flow&gt;d__3</c>.</summary>
    public required string TypeName { get; init; }

    /// <summary>
    /// The compiler's await state: 0, 1, ... is the index of the await the method is suspended at (in lowered-code
    /// order, not always source order), -1 running; null for a combinator, which has none.
    /// </summary>
    public int? AwaitState { get; init; }

    /// <summary>"Program.cs:41", the await the method is suspended at, from its assembly's portable PDB; null without one.</summary>
    public string? Site { get; init; }

    /// <summary>The box's (or task's) address in the target's heap: stable while nothing moves it.</summary>
    public required ulong Address { get; init; }
}
