using Microsoft.Diagnostics.Runtime;

namespace ProcAudit.DotNet;

/// <summary>One managed thread unwound once by ClrMD: its frames (innermost first) and its stack roots.</summary>
/// <param name="Thread">The thread.</param>
/// <param name="Frames">Frames as ClrMD enumerated them, runtime frames included.</param>
/// <param name="Roots">Stack roots that point at an object's start (interior pointers left out).</param>
internal sealed record ThreadView(ClrThread Thread, List<ClrStackFrame> Frames, List<ClrStackRoot> Roots);
