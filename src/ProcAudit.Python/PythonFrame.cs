namespace ProcAudit.Python;

/// <summary>One Python frame of a thread's stack, as the interpreter's own traceback would print it.</summary>
/// <param name="Function">The code object's name (<c>co_name</c>), e.g. <c>read</c> or <c>&lt;module&gt;</c>.</param>
/// <param name="QualifiedName">
/// <c>co_qualname</c> (e.g. <c>Server.handle</c>), from CPython 3.11 on; null before, where code objects have none.
/// </param>
/// <param name="File">The file the code was compiled from (<c>co_filename</c>), as the interpreter records it.</param>
/// <param name="Line">
/// The line being executed: for the innermost frame of a blocked thread the line that called into C (C functions
/// have no Python frame); null when the code records no line for the instruction.
/// </param>
public sealed record PythonFrame(string Function, string? QualifiedName, string File, int? Line);
