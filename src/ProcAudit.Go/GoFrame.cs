namespace ProcAudit.Go;

/// <summary>One frame of a goroutine's stack, as the Go runtime's own traceback would print it.</summary>
/// <param name="Function">The function's full name, e.g. <c>main.sender</c> or <c>sync.(*Mutex).Lock</c>.</param>
/// <param name="File">The source file the compiler recorded.</param>
/// <param name="Line">The source line of the call (or of the park point for the innermost frame).</param>
/// <param name="Inlined">True when the compiler inlined this function into the frame below it: it has no frame of its own.</param>
public sealed record GoFrame(string Function, string File, int Line, bool Inlined);
