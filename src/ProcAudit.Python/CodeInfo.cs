namespace ProcAudit.Python;

/// <summary>What the reader takes from one code object: names, file, and what turns an offset into a line.</summary>
/// <param name="Name">co_name.</param>
/// <param name="QualifiedName">co_qualname (3.11 on).</param>
/// <param name="File">co_filename.</param>
/// <param name="FirstLine">co_firstlineno.</param>
/// <param name="LineTable">co_lnotab or co_linetable.</param>
/// <param name="FirstTraceable">_co_firsttraceable (3.11 on), else 0.</param>
/// <param name="StackSize">co_stacksize: the value stack's slots.</param>
/// <param name="LocalsPlus">co_nlocalsplus (3.11 on: the slots before the value stack); -1 before.</param>
/// <param name="ExceptionTable">The address of co_exceptiontable (3.11 on); 0 before.</param>
internal sealed record CodeInfo(string Name, string? QualifiedName, string File, int FirstLine, byte[] LineTable, int FirstTraceable, int StackSize, int LocalsPlus, ulong ExceptionTable);
