namespace ProcAudit.Python;

/// <summary>Where one frame the walk kept lives in the target: what the lock reader looks into.</summary>
/// <param name="Frame">The frame's address (a PyFrameObject before 3.11, a _PyInterpreterFrame from 3.11).</param>
/// <param name="Code">Its code object.</param>
/// <param name="Offset">
/// The instruction being run: f_lasti as the frame records it before 3.11 (bytes in 3.8 and 3.9, code units in
/// 3.10); from 3.11 the byte offset of the current instruction from the start of the bytecode.
/// </param>
internal readonly record struct FrameSite(ulong Frame, CodeInfo Code, long Offset);
