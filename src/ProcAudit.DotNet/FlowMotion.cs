namespace ProcAudit.DotNet;

/// <summary>Whether a flow kept still between two reads of the heap; only a flow that kept still may be called stuck.</summary>
public enum FlowMotion
{
    /// <summary>The heap was read once: nothing is known about motion.</summary>
    NotCompared,

    /// <summary>The earlier read had the same frames at the same await states, awaiting the same object.</summary>
    Same,

    /// <summary>The flow was not there, or some frame's await state or the awaited object changed: it is making progress.</summary>
    Moved,
}
