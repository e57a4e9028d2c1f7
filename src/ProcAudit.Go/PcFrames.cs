using System.Collections.Immutable;

namespace ProcAudit.Go;

/// <summary>What one pc decodes to: its function, the frames it stands for (inlined first), and the frame size there.</summary>
internal sealed record PcFrames(GoFunc Func, ImmutableArray<GoFrame> Frames, int? SpDelta);
